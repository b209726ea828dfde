package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Lookup is what authentication reads.
type Lookup interface {
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	GetUser(ctx context.Context, idOrName string) (*User, error)
	ClientCertByFingerprint(ctx context.Context, fp []byte) (*ClientCert, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Authenticator turns request credentials into a policy.Principal. Every
// request reads the token and certificate rows afresh, so a revocation takes
// effect at once on every node.
type Authenticator struct {
	store Lookup
	now   func() time.Time

	mu      sync.Mutex
	touched map[string]time.Time // token id -> last recorded use
}

// touchEvery limits last-used writes to one per token per interval.
const touchEvery = time.Minute

// NewAuthenticator returns an Authenticator reading from s.
func NewAuthenticator(s Lookup, now func() time.Time) *Authenticator {
	return &Authenticator{store: s, now: now, touched: map[string]time.Time{}}
}

// Authenticate checks the API key and, when the TLS layer verified one, the
// client certificate. A certificate that is presented but revoked, expired or
// of another user fails the request rather than being silently ignored.
func (a *Authenticator) Authenticate(ctx context.Context, apiKey string, peer *x509.Certificate) (policy.Principal, *Token, error) {
	if apiKey == "" {
		return policy.Principal{}, nil, errs.Unauthorized("missing_api_key", "no API token: send it in the x-api-key header")
	}
	now := a.now()
	tok, err := a.store.TokenByHash(ctx, HashToken(apiKey))
	if errors.Is(err, store.ErrNotFound) {
		return policy.Principal{}, nil, errs.Unauthorized("invalid_api_key", "the API token is not valid")
	}
	if err != nil {
		return policy.Principal{}, nil, errs.Wrap(err, 503, "store_unavailable", "cannot check credentials now")
	}
	// The lookup is by hash; compare again in constant time for good measure.
	if subtle.ConstantTimeCompare(tok.Hash, HashToken(apiKey)) != 1 {
		return policy.Principal{}, nil, errs.Unauthorized("invalid_api_key", "the API token is not valid")
	}
	switch {
	case tok.RevokedAt != nil:
		return policy.Principal{}, nil, errs.Unauthorized("api_key_revoked", "the API token %s… was revoked", tok.Prefix)
	case tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt):
		return policy.Principal{}, nil, errs.Unauthorized("api_key_expired", "the API token %s… expired at %s", tok.Prefix, tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, err := a.store.GetUser(ctx, tok.UserID)
	if err != nil {
		return policy.Principal{}, nil, errs.Wrap(err, 503, "store_unavailable", "cannot check credentials now")
	}
	if u.Disabled {
		return policy.Principal{}, nil, errs.Unauthorized("user_disabled", "user %s is disabled", u.Name)
	}
	p := policy.Principal{UserID: u.ID, Name: u.Name, Roles: u.Roles, Groups: u.Groups}
	if peer != nil {
		if err := a.checkCert(ctx, u, peer, now); err != nil {
			return policy.Principal{}, nil, err
		}
		p.SecondFactor = true
	}
	a.touch(ctx, tok.ID, now)
	return p, tok, nil
}

func (a *Authenticator) checkCert(ctx context.Context, u *User, peer *x509.Certificate, now time.Time) error {
	fp := sha256.Sum256(peer.Raw)
	c, err := a.store.ClientCertByFingerprint(ctx, fp[:])
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errs.Unauthorized("client_certificate_unknown", "the client certificate was not issued by this Signet")
	case err != nil:
		return errs.Wrap(err, 503, "store_unavailable", "cannot check credentials now")
	case c.UserID != u.ID:
		return errs.Unauthorized("client_certificate_mismatch", "the client certificate belongs to another user than the API token")
	case c.RevokedAt != nil:
		return errs.Unauthorized("client_certificate_revoked", "the client certificate (serial %s) was revoked", c.Serial)
	case !now.Before(c.NotAfter):
		return errs.Unauthorized("client_certificate_expired", "the client certificate expired at %s", c.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

func (a *Authenticator) touch(ctx context.Context, id string, now time.Time) {
	a.mu.Lock()
	last, ok := a.touched[id]
	if ok && now.Sub(last) < touchEvery {
		a.mu.Unlock()
		return
	}
	a.touched[id] = now
	a.mu.Unlock()
	// Best effort: last-used time is informational.
	_ = a.store.TouchToken(ctx, id, now)
}
