// Package keypair is the keypairs domain: the Keypair record, its store
// interface and the service that generates, lists, suspends and deletes them.
package keypair

import (
	"context"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/keys"
)

// Field values.
const (
	TypeStatic  = "static"
	TypeDynamic = "dynamic"

	CategoryProduction = "production"
	CategoryTest       = "test"

	StorageDisk = "disk"
	StorageHSM  = "hsm"

	StatusOnline  = "online"
	StatusOffline = "offline"

	AccessOpen       = "open"
	AccessRestricted = "restricted"

	StateActive    = "active"
	StateSuspended = "suspended"
	StateDestroyed = "destroyed"
)

// Keypair is a signing key and everything Signet knows about it.
type Keypair struct {
	ID            string         `json:"id"`
	Alias         string         `json:"alias"`
	Type          string         `json:"type"`
	Algorithm     keys.Algorithm `json:"algorithm"`
	Category      string         `json:"category"`
	Storage       string         `json:"storage"`
	Status        string         `json:"status"`
	Access        string         `json:"access"`
	AllowedUsers  []string       `json:"allowed_users"`
	AllowedGroups []string       `json:"allowed_groups"`
	Team          string         `json:"team,omitempty"`
	Profile       string         `json:"profile,omitempty"`
	State         string         `json:"state"`
	Generation    int            `json:"generation"`
	// RotatePerSignature replaces a dynamic keypair's key after each signature.
	RotatePerSignature bool        `json:"rotate_per_signature,omitempty"`
	RotatedAt          time.Time   `json:"rotated_at,omitempty"` // when the current generation was made
	Handle             keys.Handle `json:"-"`
	PublicKey          []byte      `json:"-"` // DER SubjectPublicKeyInfo
	CreatedBy          string      `json:"created_by"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
	DestroyedAt        *time.Time  `json:"destroyed_at,omitempty"`
}

// Filter selects keypairs to list. Zero fields match everything.
type Filter struct {
	Alias    string // prefix match
	State    string
	Storage  string
	Status   string
	Category string
	Type     string
	After    string // cursor: list keypairs whose id sorts after this one
	Limit    int    // at most this many (the store caps it at 1000)
}

// Store persists keypairs. Every mutation commits its audit event in the same
// transaction, so a change without its record is impossible.
type Store interface {
	// CreateKeypair inserts kp; store.ErrConflict if the alias is taken.
	CreateKeypair(ctx context.Context, kp *Keypair, ev *audit.Event) error
	// GetKeypair finds a keypair by id or alias; store.ErrNotFound if none.
	GetKeypair(ctx context.Context, idOrAlias string) (*Keypair, error)
	// ListKeypairs returns keypairs ordered by id.
	ListKeypairs(ctx context.Context, f Filter) ([]*Keypair, error)
	// SetKeypairState changes the state (active, suspended).
	SetKeypairState(ctx context.Context, id, state string, at time.Time, ev *audit.Event) error
	// DestroyKeypair marks the keypair destroyed and erases its key handle,
	// keeping the record and its history, if it is still at generation with
	// handle h (the key the caller destroyed) or already destroyed;
	// store.ErrConflict if a rotation has replaced the key since.
	DestroyKeypair(ctx context.Context, id string, generation int, h keys.Handle, at time.Time, ev *audit.Event) error
	// SetKeyHandle replaces the key handle old, read at generation, with h
	// (master-key rotation re-wraps); store.ErrConflict if the keypair has
	// another generation or handle by now, or is destroyed: read it again.
	SetKeyHandle(ctx context.Context, id string, generation int, old, h keys.Handle) error

	// RotateKey makes generation from+1 current with the new handle and
	// public key, keeps generation from's public key, and appends ev, in one
	// transaction; store.ErrConflict if the current generation is not from
	// (another node rotated first) or the keypair is not active.
	RotateKey(ctx context.Context, id string, from int, h keys.Handle, pub []byte, at time.Time, ev *audit.Event) error
	// ClaimGeneration takes the one signature of a per-signature keypair's
	// generation; false if it was taken or the generation has moved on.
	ClaimGeneration(ctx context.Context, id string, generation int) (bool, error)
	// Generations returns the public keys of every generation, oldest first.
	Generations(ctx context.Context, id string) ([]Generation, error)
	// TryLease takes or renews the named lease for holder until `until`,
	// if it is free, expired at now, or already held by holder.
	TryLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}

// Generation is one key a dynamic keypair has had.
type Generation struct {
	Generation int        `json:"generation"`
	PublicKey  []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	RetiredAt  *time.Time `json:"retired_at,omitempty"` // nil for the current one
}
