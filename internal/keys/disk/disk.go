// Package disk is the key backend that keeps private keys envelope-encrypted
// in Signet's database, so that every signetd node can use them.
//
// # Envelope
//
// [Disk.Create] and [Disk.Import] return the private key as
// [keys.Handle.Blob], a versioned binary envelope:
//
//	offset  size  field
//	0       4     magic "SGNK"
//	4       1     version: 1
//	5       1     length n of the KEK id, 1 to 255
//	6       n     KEK id: the master key that wraps the data key
//	6+n     12    nonce of the wrapped data key
//	18+n    48    wrapped data key: AES-256-GCM(master key, data key)
//	66+n    12    nonce of the key ciphertext
//	78+n    rest  key ciphertext: AES-256-GCM(data key, PKCS#8 private key)
//
// Every key has its own random 256-bit data key. The wrapping authenticates
// "SGNK\x01kek\x00" followed by the KEK id; the key ciphertext authenticates
// "SGNK\x01key\x00" followed by the keypair id (Spec.ID), so a blob copied to
// another keypair row does not open. The handle URI is "disk:" + Spec.ID;
// callers that load handles from storage should build or check the URI from
// the row's own id, since the id is only as trustworthy as the URI.
//
// # Master keys
//
// Options.MasterKeys holds 32-byte master keys by id and Options.CurrentKEK
// names the one that wraps new keys. To rotate, add the new key, make it
// current, call [Disk.Rewrap] on every handle (it re-wraps the data key only),
// then remove the old key.
package disk

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/signet-project/signet/internal/keys"
)

// Backend is the name the backend registers under.
const Backend = "disk"

const uriPrefix = "disk:"

func init() { keys.Register(Backend, New) }

var _ interface {
	keys.KeyManager
	keys.Importer
	keys.Rewrapper
} = (*Disk)(nil)

// ErrClosed is returned by a Disk after Close.
var ErrClosed = errors.New("keys/disk: backend is closed")

// Disk is the envelope-encryption key backend. It is safe for concurrent use.
type Disk struct {
	current string
	keks    map[string]cipher.AEAD // never changed after New
	closed  atomic.Bool
}

// New returns a disk backend for opts.MasterKeys and opts.CurrentKEK. Every
// master key must be exactly 32 bytes and its id 1 to 255 bytes long. The
// backend keeps only the expanded AES keys, not the caller's slices.
func New(_ context.Context, opts keys.Options) (keys.KeyManager, error) {
	if len(opts.MasterKeys) == 0 {
		return nil, errors.New("keys/disk: no master keys configured")
	}
	d := &Disk{current: opts.CurrentKEK, keks: make(map[string]cipher.AEAD, len(opts.MasterKeys))}
	for id, k := range opts.MasterKeys {
		if len(id) == 0 || len(id) > 255 {
			return nil, fmt.Errorf("keys/disk: master key id %q must be 1 to 255 bytes", id)
		}
		if len(k) != 32 {
			return nil, fmt.Errorf("keys/disk: master key %q is %d bytes; want exactly 32", id, len(k))
		}
		aead, err := newGCM(k)
		if err != nil {
			return nil, err
		}
		d.keks[id] = aead
	}
	if _, ok := d.keks[opts.CurrentKEK]; !ok {
		return nil, fmt.Errorf("keys/disk: current master key %q is not among the configured master keys", opts.CurrentKEK)
	}
	return d, nil
}

// Create generates a key for spec and returns it sealed under the current
// master key.
func (d *Disk) Create(_ context.Context, spec keys.Spec) (keys.Handle, crypto.PublicKey, error) {
	if err := d.check(spec.ID); err != nil {
		return keys.Handle{}, nil, err
	}
	key, err := generate(spec.Algorithm)
	if err != nil {
		return keys.Handle{}, nil, err
	}
	h, err := d.seal(spec.ID, key)
	if err != nil {
		return keys.Handle{}, nil, err
	}
	return h, key.Public(), nil
}

// Import seals an existing RSA, ECDSA or Ed25519 private key for spec. If
// spec.Algorithm is set, the key must match it.
func (d *Disk) Import(_ context.Context, spec keys.Spec, key crypto.Signer) (keys.Handle, error) {
	if err := d.check(spec.ID); err != nil {
		return keys.Handle{}, err
	}
	if err := checkImport(spec.Algorithm, key); err != nil {
		return keys.Handle{}, err
	}
	return d.seal(spec.ID, key)
}

// Signer opens the handle's envelope with whichever configured master key
// wrapped it and returns a signer for the key.
func (d *Disk) Signer(_ context.Context, h keys.Handle) (crypto.Signer, error) {
	id, err := handleID(h)
	if err != nil {
		return nil, err
	}
	if err := d.check(id); err != nil {
		return nil, err
	}
	env, err := parseEnvelope(h.Blob)
	if err != nil {
		return nil, err
	}
	if h.KEK != "" && h.KEK != env.kekID {
		return nil, fmt.Errorf("keys/disk: handle names master key %q but its envelope is wrapped by %q", h.KEK, env.kekID)
	}
	dek, err := d.unwrap(env)
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	der, err := openKey(dek, id, env)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys/disk: keypair %q: envelope holds no valid PKCS#8 key", id)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys/disk: keypair %q: envelope holds a %T, not a signing key", id, key)
	}
	return signer{key: s}, nil
}

// Rewrap returns h with its data key wrapped under the current master key.
// The key ciphertext is not decrypted or changed. A handle already under the
// current master key is returned as it is.
func (d *Disk) Rewrap(_ context.Context, spec keys.Spec, h keys.Handle) (keys.Handle, error) {
	id, err := handleID(h)
	if err != nil {
		return keys.Handle{}, err
	}
	if id != spec.ID {
		return keys.Handle{}, fmt.Errorf("keys/disk: handle is for keypair %q, not %q", id, spec.ID)
	}
	if err := d.check(id); err != nil {
		return keys.Handle{}, err
	}
	env, err := parseEnvelope(h.Blob)
	if err != nil {
		return keys.Handle{}, err
	}
	if env.kekID == d.current {
		return h, nil
	}
	dek, err := d.unwrap(env)
	if err != nil {
		return keys.Handle{}, err
	}
	defer clear(dek)
	d.wrap(&env, dek)
	return keys.Handle{Backend: Backend, URI: h.URI, KEK: env.kekID, Blob: env.marshal()}, nil
}

// Destroy does nothing: the key exists only in its blob, which the store
// erases with the keypair row.
func (d *Disk) Destroy(context.Context, keys.Handle) error { return nil }

// Close makes the backend refuse further use.
func (d *Disk) Close() error {
	d.closed.Store(true)
	return nil
}

func (d *Disk) check(id string) error {
	if d.closed.Load() {
		return ErrClosed
	}
	if id == "" {
		return errors.New("keys/disk: keypair id is empty")
	}
	return nil
}

func handleID(h keys.Handle) (string, error) {
	if h.Backend != Backend {
		return "", fmt.Errorf("keys/disk: handle belongs to backend %q", h.Backend)
	}
	id, ok := strings.CutPrefix(h.URI, uriPrefix)
	if !ok || id == "" {
		return "", fmt.Errorf("keys/disk: handle URI %q is not of the form disk:<keypair id>", h.URI)
	}
	return id, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys/disk: %w", err)
	}
	return cipher.NewGCM(b)
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails; see crypto/rand.Read
	return b
}
