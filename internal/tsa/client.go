package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// MaxResponse is the largest time-stamp response the client reads.
const MaxResponse = 1 << 20

// Client asks external time-stamping authorities, in order: each URL is
// tried up to 1+Retries times on transient failures (network errors, 5xx,
// 429), then the next URL. Every token is checked: granted, signed, for
// the digest asked, with the nonce sent.
type Client struct {
	URLs    []string
	Retries int           // extra attempts per URL (default 0)
	Backoff time.Duration // wait before a retry (default 500ms)
	HTTP    *http.Client  // default: 15s timeout
	// Roots, when set, are the CAs a TSA's signing certificate must chain
	// to (at the token's time, for time-stamping); without them any
	// time-stamping certificate is taken, and verifiers judge it later.
	Roots *x509.CertPool
	// Sleep waits d or until ctx ends (tests inject it).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stamp returns a time-stamp token for digest and the URL of the TSA that
// made it.
func (c *Client) Stamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, string, error) {
	if len(c.URLs) == 0 {
		return nil, "", errors.New("tsa: no time-stamping authority configured")
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, "", err
	}
	req, err := (&timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Nonce: nonce, Certificates: true}).Marshal()
	if err != nil {
		return nil, "", fmt.Errorf("tsa: request: %w", err)
	}
	var all []error
	for _, url := range c.URLs {
		for attempt := 0; attempt <= c.Retries; attempt++ {
			if attempt > 0 {
				if err := c.sleep(ctx, c.backoff()); err != nil {
					return nil, "", err
				}
			}
			tok, transient, err := c.try(ctx, url, req, h, digest, nonce)
			if err == nil {
				return tok, url, nil
			}
			all = append(all, fmt.Errorf("%s (attempt %d): %w", url, attempt+1, err))
			if !transient || ctx.Err() != nil {
				break
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, "", fmt.Errorf("tsa: no time-stamping authority answered: %w", errors.Join(all...))
}

// try asks one TSA once; transient reports whether retrying may help.
func (c *Client) try(ctx context.Context, url string, req []byte, h crypto.Hash, digest []byte, nonce *big.Int) ([]byte, bool, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, false, err
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, true, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	switch {
	case err != nil:
		return nil, true, err
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, true, fmt.Errorf("HTTP %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("HTTP %s", resp.Status)
	case len(body) > MaxResponse:
		return nil, false, errors.New("response too large")
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		return nil, false, fmt.Errorf("bad response: %w", err)
	}
	switch {
	case ts.HashAlgorithm != h || !bytes.Equal(ts.HashedMessage, digest):
		return nil, false, errors.New("the token is for another digest")
	case ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0:
		return nil, false, errors.New("the token does not echo the nonce")
	case len(ts.Certificates) == 0:
		return nil, false, errors.New("the token carries no TSA certificate, so its signature cannot be checked")
	}
	if now := time.Now(); ts.Time.Before(now.Add(-maxSkew)) || ts.Time.After(now.Add(maxSkew)) {
		return nil, false, fmt.Errorf("the token's time %s is more than %s from now: a TSA answering now stamps now", ts.Time.UTC().Format(time.RFC3339), maxSkew)
	}
	if err := c.checkSigner(ts.RawToken, time.Now()); err != nil {
		return nil, false, err
	}
	return ts.RawToken, false, nil
}

// maxSkew is how far a fresh token's time may be from this server's clock.
const maxSkew = 10 * time.Minute

// checkSigner checks the certificate that signed the token: it has the
// timeStamping EKU, as RFC 3161 2.3 requires, and with Roots set it chains
// to one of them at time at (now: the token was just asked for).
func (c *Client) checkSigner(token []byte, at time.Time) error {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return fmt.Errorf("bad token: %w", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil || !slices.Contains(signer.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return errors.New("the token's signing certificate is not for time-stamping (no timeStamping extended key usage)")
	}
	if c.Roots == nil {
		return nil
	}
	inter := x509.NewCertPool()
	for _, cert := range p7.Certificates {
		inter.AddCert(cert)
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: c.Roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return fmt.Errorf("the TSA's certificate does not chain to pki.timestamp_roots: %w", err)
	}
	return nil
}

func (c *Client) backoff() time.Duration {
	if c.Backoff > 0 {
		return c.Backoff
	}
	return 500 * time.Millisecond
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Stamper time-stamps signatures for the signing API: through the external
// TSAs when External is set, else through Signet's own Authority.
type Stamper struct {
	Internal *Authority
	// InternalURL is the URL of Signet's TSA, recorded in the signature log.
	InternalURL func() string
	External    *Client
}

// Stamp returns a token for digest and the URL of the TSA that made it.
func (s *Stamper) Stamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, string, error) {
	if s.External != nil && len(s.External.URLs) > 0 {
		return s.External.Stamp(ctx, h, digest)
	}
	if s.Internal == nil {
		return nil, "", errors.New("tsa: no time-stamping authority configured")
	}
	tok, err := s.Internal.Stamp(ctx, h, digest)
	url := "signet:tsa"
	if s.InternalURL != nil {
		url = s.InternalURL()
	}
	return tok, url, err
}
