package p11

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/signet-project/signet/internal/client"
)

// Backend is where the module's keys live and are used: the Signet server
// in production (see [NewClientBackend]), a fake in tests.
type Backend interface {
	// Keys lists the keys the caller may use.
	Keys(ctx context.Context) ([]Key, error)
	// Sign signs input with key (its Ref, at its Generation). sigAlg is a
	// signature algorithm name of the API ("SHA256withECDSA", "Ed25519"...);
	// input is a digest, or the message for pure Ed25519. ECDSA signatures
	// come back DER-encoded, as the API returns them.
	Sign(ctx context.Context, key Key, sigAlg string, input []byte, tool string) ([]byte, error)
}

// Key is one keypair as the module shows it.
type Key struct {
	Ref         string              // keypair id, passed back to Backend.Sign
	Alias       string              // becomes CKA_LABEL
	Generation  int                 // changes when a dynamic key is replaced
	Public      crypto.PublicKey    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	Certificate *x509.Certificate   // nil when the keypair has no certificate
	Chain       []*x509.Certificate // intermediates then root; may be empty
}

// ObjectID returns the CKA_ID of the objects of keypair id: the 16 bytes of
// the id when it is a UUID (so its hex form is the UUID without dashes),
// otherwise the first 16 bytes of its SHA-256.
func ObjectID(keypairID string) []byte {
	s := keypairID
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		if b, err := hex.DecodeString(strings.ReplaceAll(s, "-", "")); err == nil {
			return b
		}
	}
	sum := sha256.Sum256([]byte(keypairID))
	return sum[:16]
}

// statusCoder is implemented by errors that carry an HTTP status, such as
// *client.APIError.
type statusCoder interface{ StatusCode() int }

// errConfig marks errors in the module's configuration.
type errConfig struct{ err error }

func (e errConfig) Error() string { return e.err.Error() }
func (e errConfig) Unwrap() error { return e.err }

// backendRV maps a backend failure to a return value: refusals by policy
// to CKR_FUNCTION_REJECTED, a vanished key to CKR_KEY_HANDLE_INVALID,
// configuration errors to CKR_FUNCTION_FAILED and everything else (network,
// server errors) to CKR_DEVICE_ERROR.
func backendRV(err error) RV {
	var sc statusCoder
	var ce errConfig
	switch {
	case errors.As(err, &ce), errors.Is(err, client.ErrClientCertPassword), errors.Is(err, client.ErrClientCertFormat):
		// The client certificate is decoded at the first full handshake
		// when TLS sessions are cached.
		return CKR_FUNCTION_FAILED
	case errors.Is(err, context.DeadlineExceeded):
		return CKR_DEVICE_ERROR
	case errors.As(err, &sc):
		switch s := sc.StatusCode(); {
		case s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusConflict || s == http.StatusTooManyRequests:
			return CKR_FUNCTION_REJECTED
		case s == http.StatusNotFound || s == http.StatusGone:
			return CKR_KEY_HANDLE_INVALID
		case s >= 500:
			return CKR_DEVICE_ERROR
		}
		return CKR_FUNCTION_FAILED
	}
	return CKR_DEVICE_ERROR
}

// brokenBackend stands in when the configuration cannot be used; every
// call fails with the reason, which is also logged at C_Initialize.
type brokenBackend struct{ err error }

func (b brokenBackend) Keys(context.Context) ([]Key, error) { return nil, b.err }
func (b brokenBackend) Sign(context.Context, Key, string, []byte, string) ([]byte, error) {
	return nil, b.err
}
