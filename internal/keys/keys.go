// Package keys defines the key-backend interface and its registry.
//
// A backend creates private keys, hands out crypto.Signer values for them and
// destroys them. Private key material never leaves a backend in the clear: the
// disk backend returns it envelope-encrypted (Handle.Blob) for the database,
// the hsm backend keeps it on the token, non-extractable.
//
// # Backends
//
// Each backend registers itself with [Register] in its init function; a
// binary chooses its backends with blank imports.
//
// # Optional capabilities
//
// Backends may also implement [Importer], [Checker] or [Rewrapper].
package keys

import (
	"context"
	"crypto"
	"fmt"
	"sort"
	"sync"

	"github.com/signet-project/signet/internal/sigalg"
)

// Algorithm is a key algorithm with its size or curve.
type Algorithm struct {
	Type  sigalg.KeyType `json:"type"`            // rsa, ecdsa, eddsa
	Bits  int            `json:"bits,omitempty"`  // RSA: 2048, 3072, 4096
	Curve string         `json:"curve,omitempty"` // ECDSA: P-256, P-384, P-521; EdDSA: Ed25519
}

// Spec describes a key to create.
type Spec struct {
	ID        string // keypair id; bound to the key (AAD on disk, CKA_ID on a token)
	Label     string // keypair alias, for humans reading the token
	Algorithm Algorithm
}

// Handle locates a key inside its backend. It is stored with the keypair and
// is not secret: Blob is ciphertext for disk keys and empty for HSM keys.
type Handle struct {
	Backend string `json:"backend"` // "disk" or "hsm"
	URI     string `json:"uri"`     // backend locator, e.g. "pkcs11:token=signet;id=%01%02"
	KEK     string `json:"kek,omitempty"`
	Blob    []byte `json:"-"`
}

// KeyManager is a key backend.
type KeyManager interface {
	// Create generates a key and returns its handle and public key.
	Create(ctx context.Context, spec Spec) (Handle, crypto.PublicKey, error)
	// Signer returns a signer for the key. Callers may cache it.
	Signer(ctx context.Context, h Handle) (crypto.Signer, error)
	// Destroy destroys the private key; its handle becomes useless.
	Destroy(ctx context.Context, h Handle) error
	// Close releases the backend's resources.
	Close() error
}

// Importer is implemented by backends that can store an existing private key.
type Importer interface {
	Import(ctx context.Context, spec Spec, key crypto.Signer) (Handle, error)
}

// Checker is implemented by backends that can tell whether they are reachable.
type Checker interface {
	Check(ctx context.Context) error
}

// Rewrapper is implemented by backends whose handles are wrapped by a master
// key that can be rotated: Rewrap returns the handle under the current key.
type Rewrapper interface {
	Rewrap(ctx context.Context, spec Spec, h Handle) (Handle, error)
}

// Options configures a backend. Only the fields of the chosen backend matter.
type Options struct {
	// Disk: master keys by id; CurrentKEK names the one new keys are wrapped with.
	MasterKeys map[string][]byte
	CurrentKEK string

	// HSM: PKCS#11 module path, token label, user PIN and session pool size.
	Module     string
	TokenLabel string
	PIN        string
	PoolSize   int
}

// NewFunc creates a backend.
type NewFunc func(ctx context.Context, opts Options) (KeyManager, error)

var (
	mu       sync.Mutex
	registry = map[string]NewFunc{}
)

// Register makes a backend available under name. It panics on a duplicate.
func Register(name string, fn NewFunc) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[name]; dup {
		panic("keys: backend registered twice: " + name)
	}
	registry[name] = fn
}

// New creates the backend registered under name.
func New(ctx context.Context, name string, opts Options) (KeyManager, error) {
	mu.Lock()
	fn, ok := registry[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("keys: unknown backend %q (compiled in: %v)", name, Backends())
	}
	return fn(ctx, opts)
}

// Backends lists the registered backend names.
func Backends() []string {
	mu.Lock()
	defer mu.Unlock()
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
