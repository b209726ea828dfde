//go:build e2e

package pkcs11

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// api calls signetd's REST API as the dev admin, with the API token and
// the client certificate.
type api struct {
	base, token string
	http        *http.Client
}

func newAPI(dir string, creds map[string]string) (*api, error) {
	tc, err := tlsConfig(dir, creds)
	if err != nil {
		return nil, err
	}
	return &api{base: creds["SIGNET_HOST"], token: creds["SIGNET_API_KEY"],
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tc}}}, nil
}

// call sends body as JSON and decodes a 2xx answer into out; any other
// answer is an error with the server's message.
func (a *api) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("x-api-key", a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: %w: %s", method, path, err, data)
	}
	return nil
}

// keypair is the part of a keypair answer the tests use.
type keypair struct {
	ID             string `json:"id"`
	Alias          string `json:"alias"`
	Storage        string `json:"storage"`
	PublicKeyPEM   string `json:"public_key_pem"`
	CertificatePEM string `json:"certificate_pem"`
	ChainPEM       string `json:"chain_pem"`
}

// sigRecord is a signature-log row.
type sigRecord struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	ErrorCode    string `json:"error_code"`
	Generation   int    `json:"generation"`
	KeypairID    string `json:"keypair_id"`
	KeypairAlias string `json:"keypair_alias"`
	Algorithm    string `json:"algorithm"`
	DigestAlg    string `json:"digest_alg"`
	Digest       []byte `json:"digest"`
	Signature    []byte `json:"signature"`
	Tool         string `json:"tool"`
}

// signatures returns the signature log of one keypair, oldest first,
// following the pages.
func (a *api) signatures(keypairID string) ([]sigRecord, error) {
	var all []sigRecord
	q := url.Values{"keypair": {keypairID}, "limit": {"1000"}}
	for range 100 {
		var page struct {
			Records []sigRecord `json:"records"`
			Next    string      `json:"next"`
		}
		if err := a.call("GET", "/api/v1/logs/signatures?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Records...)
		if page.Next == "" {
			return all, nil
		}
		q.Set("after", page.Next)
	}
	return nil, fmt.Errorf("signature log of %s: too many pages", keypairID)
}
