package auth

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// TokenRequest creates an API token. The token carries its user's
// permissions, never more.
type TokenRequest struct {
	User      string     `json:"user,omitempty"` // id or name; default: the caller
	Name      string     `json:"name,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	ExpiresIn string     `json:"expires_in,omitempty"` // a duration such as 720h
}

// owner resolves whose credentials a request is about, and checks that p
// may manage them: one's own with credentials.manage_own (standard users),
// another's with user.manage (a Lead: service users, and offboarding). One
// that mints a credential for another user (mints) lets p act as that
// user, so it also needs p to hold every permission that user holds;
// listing and revoking need user.manage only, so that a user manager can
// take a leaked credential away. req holds the facts of the action beyond
// its permission (IssuesSecondFactor).
func (s *Service) owner(ctx context.Context, p policy.Principal, ref string, req policy.Request, t guard.Target, mints bool) (*User, error) {
	if ref == "" || ref == p.UserID || ref == p.Name {
		u, err := s.user(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		req.Action = policy.UserManage
		if policy.Authorize(p, req, s.Guard.Now()).Allow {
			return u, nil // a Lead manages its own like anyone's
		}
		req.Action = policy.CredentialsManageOwn
		return u, s.check(ctx, p, req, t)
	}
	u, err := s.user(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !mints {
		req.Action = policy.UserManage
		return u, s.check(ctx, p, req, t)
	}
	return u, s.actOn(ctx, p, u, req, t)
}

// CreateToken creates an API token and returns it with its secret, which
// is never shown again: only its hash is kept. A token made with an
// expiring API token expires with it at the latest: asked for later, or
// for no expiry, it gets the caller's token's expiry (the answer shows it).
func (s *Service) CreateToken(ctx context.Context, p policy.Principal, r TokenRequest) (*Token, string, error) {
	t := guard.Target{Type: "Token", Action: "Create", Name: r.Name}
	u, err := s.owner(ctx, p, r.User, policy.Request{}, t, true)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	exp := r.ExpiresAt
	if r.ExpiresIn != "" && r.ExpiresAt != nil {
		return nil, "", errs.BadRequest("invalid_expiry", "give expires_at or expires_in, not both")
	}
	if r.ExpiresIn != "" {
		d, err := time.ParseDuration(r.ExpiresIn)
		if err != nil || d <= 0 {
			return nil, "", errs.BadRequest("invalid_expiry", "expires_in must be a positive duration such as 720h, got %q", r.ExpiresIn)
		}
		at := now.Add(d)
		exp = &at
	}
	if exp != nil && !exp.After(now) {
		return nil, "", errs.BadRequest("invalid_expiry", "expires_at must be in the future")
	}
	var want time.Time
	if exp != nil {
		want = *exp
	}
	if at, capped := policy.CredentialExpiry(p, want); capped {
		exp = &at
	}
	if exp != nil {
		at := exp.UTC().Truncate(time.Microsecond)
		exp = &at
	}
	secret, prefix, hash := NewTokenSecret()
	tok := &Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: r.Name, Prefix: prefix, Hash: hash,
		Kind: TokenAPI, CreatedAt: now, ExpiresAt: exp}
	t.ID, t.Name = tok.ID, u.Name+"/"+prefix
	if err := s.Store.CreateToken(ctx, tok, s.event(ctx, p, t)); err != nil {
		return nil, "", errs.Internal(err)
	}
	return tok, secret, nil
}

// ListTokens lists a user's API tokens (the caller's by default).
func (s *Service) ListTokens(ctx context.Context, p policy.Principal, userRef string) ([]*Token, error) {
	u, err := s.owner(ctx, p, userRef, policy.Request{}, guard.Target{Type: "Token", Action: "List", Name: userRef}, false)
	if err != nil {
		return nil, err
	}
	ts, err := s.Store.ListTokens(ctx, u.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return ts, nil
}

// RevokeToken revokes an API token at once, on every node.
func (s *Service) RevokeToken(ctx context.Context, p policy.Principal, id string) (*Token, error) {
	tok, err := s.Store.GetToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && tok.Kind != TokenAPI) {
		return nil, errs.NotFound("token_not_found", "no API token %q", id)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	t := guard.Target{Type: "Token", Action: "Revoke", ID: tok.ID, Name: tok.Prefix}
	if _, err := s.owner(ctx, p, tok.UserID, policy.Request{}, t, false); err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.Store.RevokeToken(ctx, tok.ID, now, s.event(ctx, p, t)); err != nil {
		return nil, errs.Internal(err)
	}
	if tok.RevokedAt == nil {
		tok.RevokedAt = &now
	}
	return tok, nil
}
