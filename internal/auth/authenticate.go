package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Lookup is what authentication reads and writes.
type Lookup interface {
	CredentialsByToken(ctx context.Context, tokenHash, certFingerprint []byte) (*Credentials, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// Authenticator turns request credentials into a policy.Principal. Every
// request reads the token, its user (with resolved grants), the client
// certificate and the settings afresh, in one query, so that a revocation
// takes effect at once on every node.
type Authenticator struct {
	// Denied, if set, is told of each request refused for a credential
	// that names a user (a revoked or expired token or session, a client
	// certificate revoked, expired or of another user, a disabled user),
	// to audit it. An unknown token names nobody and is not reported.
	Denied func(ctx context.Context, p policy.Principal, t guard.Target, err *errs.Error)

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

// AuthenticateRequest authenticates by the x-api-key header or, without
// one, by the web console's session cookie (with its CSRF check); peer is
// the client certificate the TLS layer verified, if any.
func (a *Authenticator) AuthenticateRequest(r *http.Request, peer *x509.Certificate) (policy.Principal, *Token, error) {
	if key := r.Header.Get("x-api-key"); key != "" {
		return a.check(r.Context(), key, TokenAPI, peer)
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return a.Authenticate(r.Context(), "", peer)
	}
	if !checkCSRF(r, c.Value) {
		return policy.Principal{}, nil, errs.Forbidden("csrf_token_invalid",
			"a request that changes something with the session cookie needs the %s header returned at sign-in", CSRFHeader)
	}
	return a.check(r.Context(), c.Value, TokenSession, peer)
}

// Authenticate checks the API key and, when the TLS layer verified one, the
// client certificate. A certificate that is presented but revoked, expired or
// of another user fails the request rather than being silently ignored.
func (a *Authenticator) Authenticate(ctx context.Context, apiKey string, peer *x509.Certificate) (policy.Principal, *Token, error) {
	if apiKey == "" {
		return policy.Principal{}, nil, errs.Unauthorized("missing_api_key", "no API token: send it in the x-api-key header (or sign in to the web console)")
	}
	return a.check(ctx, apiKey, TokenAPI, peer)
}

func (a *Authenticator) check(ctx context.Context, secret, kind string, peer *x509.Certificate) (policy.Principal, *Token, error) {
	now := a.now()
	var fp []byte
	if peer != nil {
		sum := sha256.Sum256(peer.Raw)
		fp = sum[:]
	}
	hash := HashToken(secret)
	c, err := a.store.CredentialsByToken(ctx, hash, fp)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return policy.Principal{}, nil, invalid(kind)
	case err != nil && ctx.Err() != nil:
		return policy.Principal{}, nil, errs.Wrap(err, statusClientClosed, "client_closed_request", "the client closed the request while its credentials were checked")
	case err != nil:
		return policy.Principal{}, nil, errs.Wrap(err, 503, "store_unavailable", "cannot check credentials now")
	}
	tok, u := c.Token, c.User
	// The lookup is by hash; compare again in constant time for good measure.
	if subtle.ConstantTimeCompare(tok.Hash, hash) != 1 || tok.Kind != kind {
		return policy.Principal{}, nil, invalid(kind)
	}
	p := principalOf(c)
	err = checkToken(tok, now)
	if err == nil && u.Disabled {
		err = errs.Unauthorized("user_disabled", "user %s is disabled", u.Name)
	}
	if err == nil && peer != nil {
		err = checkCert(c.Cert, u, now)
		p.SecondFactor = true
	}
	if err != nil {
		if a.Denied != nil {
			a.Denied(ctx, p, guard.Target{Type: "Token", Action: "Authenticate", ID: tok.ID, Name: tok.Prefix}, errs.As(err))
		}
		return policy.Principal{}, nil, err
	}
	a.touch(ctx, tok.ID, now)
	return p, tok, nil
}

// statusClientClosed is nginx's 499: the client went away.
const statusClientClosed = 499

func invalid(kind string) error {
	if kind == TokenSession {
		return errs.Unauthorized("session_invalid", "the session is not valid: sign in again")
	}
	return errs.Unauthorized("invalid_api_key", "the API token is not valid")
}

func checkToken(tok *Token, now time.Time) error {
	if tok.Kind == TokenSession {
		idle := tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) > SessionIdle
		if tok.RevokedAt != nil || (tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt)) || idle {
			return errs.Unauthorized("session_expired", "the session has ended: sign in again")
		}
		return nil
	}
	switch {
	case tok.RevokedAt != nil:
		return errs.Unauthorized("api_key_revoked", "the API token %s… was revoked", tok.Prefix)
	case tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt):
		return errs.Unauthorized("api_key_expired", "the API token %s… expired at %s", tok.Prefix, tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// principalOf builds the principal of resolved credentials.
func principalOf(c *Credentials) policy.Principal {
	u := c.User
	p := policy.Principal{UserID: u.ID, Name: u.Name, Roles: u.Roles, Groups: u.Groups, Custom: c.Grants.Custom,
		TeamsOn: c.Settings.TeamsEnabled, Service: u.Type == UserService}
	if c.Token != nil {
		p.WebSession = c.Token.Kind == TokenSession
		if c.Token.Kind == TokenAPI && c.Token.ExpiresAt != nil {
			p.TokenExpiresAt = *c.Token.ExpiresAt
		}
	}
	if p.TeamsOn {
		p.Teams = c.Grants.Teams
	}
	return p
}

func checkCert(c *ClientCert, u *User, now time.Time) error {
	switch {
	case c == nil:
		return errs.Unauthorized("client_certificate_unknown", "the client certificate was not issued by this Signet")
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
