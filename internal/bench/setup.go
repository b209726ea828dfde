package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// call sends one JSON request to the target and decodes a 2xx answer into out.
func (t Target) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.APIKey != "" {
		req.Header.Set("x-api-key", t.APIKey)
	}
	tr := &http.Transport{TLSClientConfig: t.TLS.Clone()}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("bench: %s %s on %s: %s: %s", method, path, t.Name, resp.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// PublicKey returns the public key of a keypair, as describe shows it.
func (t Target) PublicKey(ctx context.Context, alias string) (crypto.PublicKey, error) {
	var v struct {
		PEM string `json:"public_key_pem"`
	}
	if err := t.call(ctx, http.MethodGet, "/api/v1/keypairs/"+url.PathEscape(alias), nil, &v); err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(v.PEM))
	if block == nil {
		return nil, fmt.Errorf("bench: keypair %s on %s has no public key", alias, t.Name)
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}

// CreateKeypair generates a test-category keypair for a on the target, in
// storage (the server's default when empty), and returns its alias.
func (t Target) CreateKeypair(ctx context.Context, a Alg, storage string) (string, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	alias := "bench-" + a.Name + "-" + hex.EncodeToString(suffix)
	body := map[string]any{"alias": alias, "algorithm": string(a.Key.Type), "category": "test"}
	if a.Key.Bits != 0 {
		body["key_size"] = a.Key.Bits
	}
	if a.Key.Curve != "" {
		body["curve"] = a.Key.Curve
	}
	if storage != "" {
		body["storage"] = storage
	}
	return alias, t.call(ctx, http.MethodPost, "/api/v1/keypairs", body, nil)
}

// DeleteKeypair deletes a keypair the benchmark created.
func (t Target) DeleteKeypair(ctx context.Context, alias string) error {
	if alias == "" {
		return errors.New("bench: no alias")
	}
	return t.call(ctx, http.MethodDelete, "/api/v1/keypairs/"+url.PathEscape(alias), nil, nil)
}

// CreateRelease puts the (test) keypair in a live test release with room for
// max signatures, so that every signature counts toward it (the signing
// path then reserves from its budget). It returns the release id.
func (t Target) CreateRelease(ctx context.Context, alias string, max int) (string, error) {
	now := time.Now().UTC()
	body := map[string]any{"name": alias, "type": "test", "keypairs": []string{alias},
		"start": now.Add(-time.Minute), "end": now.Add(time.Hour), "max_signatures": max}
	var r struct {
		ID string `json:"id"`
	}
	err := t.call(ctx, http.MethodPost, "/api/v1/releases", body, &r)
	return r.ID, err
}

// CloseRelease closes a release the benchmark created.
func (t Target) CloseRelease(ctx context.Context, id string) error {
	return t.call(ctx, http.MethodPost, "/api/v1/releases/"+url.PathEscape(id)+"/close", nil, nil)
}
