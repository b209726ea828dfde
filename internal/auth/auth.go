// Package auth is identity: users, API tokens, and turning a request's
// credentials into a policy.Principal.
package auth

import (
	"context"
	"time"

	"github.com/signet-project/signet/internal/audit"
)

// User types.
const (
	UserStandard = "standard"
	UserService  = "service"
)

// User is a person or an automation account.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	Type      string    `json:"type"`
	Roles     []string  `json:"roles"`
	Groups    []string  `json:"groups"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// Token is an API token. Only the SHA-256 of the secret is stored.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // visible start of the secret, to recognise it
	Hash       []byte     `json:"-"`
	Kind       string     `json:"-"` // TokenAPI (default) or TokenSession
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Store persists users and tokens. Mutations commit their audit event in the
// same transaction.
type Store interface {
	CreateUser(ctx context.Context, u *User, ev *audit.Event) error
	// GetUser finds a user by id or name; store.ErrNotFound if none.
	GetUser(ctx context.Context, idOrName string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)

	// CreateToken inserts an API token or a session (by Kind; "" is TokenAPI).
	CreateToken(ctx context.Context, t *Token, ev *audit.Event) error
	// TokenByHash finds a token by the hash of its secret; store.ErrNotFound if none.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// ListTokens lists a user's API tokens (every user's when userID is
	// empty), sessions left out.
	ListTokens(ctx context.Context, userID string) ([]*Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time, ev *audit.Event) error
	// TouchToken records the last use of a token.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// ClientCert is a client authentication certificate issued to a user; the
// second factor for dangerous actions. Only its public facts are stored.
type ClientCert struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Serial      string     `json:"serial"`      // hex
	Fingerprint []byte     `json:"fingerprint"` // SHA-256 of the DER certificate
	NotAfter    time.Time  `json:"not_after"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// CertStore persists client certificates.
type CertStore interface {
	CreateClientCert(ctx context.Context, c *ClientCert, ev *audit.Event) error
	// ClientCertByFingerprint finds a certificate; store.ErrNotFound if none.
	ClientCertByFingerprint(ctx context.Context, fp []byte) (*ClientCert, error)
	ListClientCerts(ctx context.Context, userID string) ([]*ClientCert, error)
	RevokeClientCert(ctx context.Context, id string, at time.Time, ev *audit.Event) error
}
