// Package tsa is Signet's RFC 3161 time-stamping authority and the
// time-stamp client of the signing API.
//
// [Authority] answers TimeStampReq messages with tokens signed by the TSA
// key (kept like a CA key, see package ca), echoing the nonce, under a
// configurable policy, and records each one before answering. [Client]
// asks external TSAs, with failover and retries. [Stamper] is what the
// signing API uses: the external TSAs when configured, else the Authority.
package tsa

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// DefaultPolicy is the TSA policy OID when none is configured. It is the
// example OID of OpenSSL's sample configuration: set your own.
var DefaultPolicy = asn1.ObjectIdentifier{1, 2, 3, 4, 1}

// Identity returns the TSA's certificate, the chain above it (issuer first,
// root last) and its signer.
type Identity func(ctx context.Context) (*x509.Certificate, []*x509.Certificate, crypto.Signer, error)

// Record is one time-stamp the TSA issued.
type Record struct {
	Serial   string    `json:"serial"` // lowercase hex
	Time     time.Time `json:"time"`
	HashAlg  string    `json:"hash_alg"`
	Imprint  []byte    `json:"imprint"`
	Nonce    string    `json:"nonce,omitempty"` // lowercase hex
	Policy   string    `json:"policy"`
	ClientIP string    `json:"client_ip,omitempty"`
	Source   string    `json:"source"` // http (the /tsa endpoint) or sign (the signing API)
}

// Store records issued time-stamps.
type Store interface {
	// LogTimestamp inserts r; store.ErrConflict if its serial is taken.
	LogTimestamp(ctx context.Context, r *Record) error
}

// Authority is the time-stamping authority.
type Authority struct {
	Identity Identity
	Policy   asn1.ObjectIdentifier // default DefaultPolicy
	Accuracy time.Duration         // default and least 1s: genTime is in whole seconds
	Now      func() time.Time
	Log      Store
	Logger   *slog.Logger
}

// ErrUnavailable means the TSA cannot sign or record a time-stamp now.
var ErrUnavailable = errors.New("tsa: unavailable")

// Respond answers a DER TimeStampReq from the /tsa endpoint with a DER
// TimeStampResp and the HTTP status to send: 200 with a granted token; 400
// with a rejection for a bad request; 503 with a rejection (systemFailure)
// when the TSA cannot sign or record it.
func (a *Authority) Respond(ctx context.Context, body []byte, clientIP string) ([]byte, int) {
	req, err := ParseRequest(body)
	if err != nil {
		var re *RequestError
		errors.As(err, &re)
		return Rejection(re.Failure), http.StatusBadRequest
	}
	resp, _, err := a.issue(ctx, req, clientIP, "http")
	var re *RequestError
	switch {
	case errors.As(err, &re):
		return Rejection(re.Failure), http.StatusBadRequest
	case err != nil:
		a.logger().Error("time-stamp", "err", err)
		return Rejection(timestamp.SystemFailure), http.StatusServiceUnavailable
	}
	return resp, http.StatusOK
}

// Rejection is a TimeStampResp refusing a request for reason f.
func Rejection(f timestamp.FailureInfo) []byte {
	der, _ := timestamp.CreateErrorResponse(timestamp.Rejection, f) // fixed-shape values: cannot fail
	return der
}

// Stamp time-stamps a digest for the signing API and returns the token (a
// DER CMS ContentInfo, with the TSA's certificate and the issuing CA's).
func (a *Authority) Stamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	req := &timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true}
	_, tok, err := a.issue(ctx, req, "", "sign")
	return tok, err
}

// issue signs and records a time-stamp for req.
func (a *Authority) issue(ctx context.Context, req *timestamp.Request, clientIP, source string) (resp, token []byte, err error) {
	policy := a.Policy
	if policy == nil {
		policy = DefaultPolicy
	}
	if req.TSAPolicyOID != nil && !req.TSAPolicyOID.Equal(policy) {
		return nil, nil, refuse(timestamp.UnacceptedPolicy, "policy %v is not this TSA's (%v)", req.TSAPolicyOID, policy)
	}
	cert, chain, signer, err := a.Identity(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	hash, err := signingHash(signer.Public())
	if err != nil {
		return nil, nil, err
	}
	// genTime is truncated to the second, so it may be up to a second
	// early: the token never claims a finer accuracy than that.
	accuracy := max(a.Accuracy, time.Second)
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	genTime := now().UTC().Truncate(time.Second)
	if err := validAt(genTime, cert, chain); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage,
		Time: genTime, Accuracy: accuracy, Policy: policy, Nonce: req.Nonce,
		AddTSACertificate: req.Certificates}
	if req.Certificates && len(chain) > 1 {
		ts.Certificates = chain[:len(chain)-1] // intermediates: the relying party has the root
	}
	resp, err = ts.CreateResponseWithOpts(cert, signer, hash)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signing: %v", ErrUnavailable, err)
	}
	got, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: reading back the response: %v", ErrUnavailable, err)
	}
	rec := &Record{Serial: got.SerialNumber.Text(16), Time: got.Time.UTC(), HashAlg: req.HashAlgorithm.String(),
		Imprint: req.HashedMessage, Policy: policy.String(), ClientIP: clientIP, Source: source}
	if req.Nonce != nil {
		rec.Nonce = req.Nonce.Text(16)
	}
	if err := a.Log.LogTimestamp(ctx, rec); err != nil {
		return nil, nil, fmt.Errorf("%w: the time-stamp log cannot be written: %v", ErrUnavailable, err)
	}
	return resp, got.RawToken, nil
}

// validAt refuses to stamp genTime with a certificate that is not valid
// then, or whose issuers are not: such a token verifies nowhere, and an
// expired TSA key must not vouch for times after its certificate's end.
func validAt(genTime time.Time, cert *x509.Certificate, chain []*x509.Certificate) error {
	for _, c := range append([]*x509.Certificate{cert}, chain...) {
		if genTime.Before(c.NotBefore) || genTime.After(c.NotAfter) {
			return fmt.Errorf("certificate %q is valid from %s to %s, not at %s", c.Subject.CommonName,
				c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), genTime.Format(time.RFC3339))
		}
	}
	return nil
}

// signingHash is the digest the TSA signs its tokens with for its key.
func signingHash(pub crypto.PublicKey) (crypto.Hash, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P384():
			return crypto.SHA384, nil
		case elliptic.P521():
			return crypto.SHA512, nil
		}
		return crypto.SHA256, nil
	case ed25519.PublicKey:
		return 0, errors.New("tsa: Ed25519 TSA keys are not supported")
	}
	return crypto.SHA256, nil
}

func (a *Authority) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}
