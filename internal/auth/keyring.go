package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Keyring seals small secrets kept in the database (TOTP secrets) with
// AES-256-GCM, under keys derived (HKDF-SHA-256) from the master keys that
// also wrap disk keys. A sealed value names the master key it was sealed
// under, so values sealed before a master-key rotation still open while
// that key is configured; Open reports when a value should be resealed.
type Keyring struct {
	keys    map[string]cipher.AEAD
	current string
}

const keyringInfo = "signet/auth/sealed-secret/v1"

// NewKeyring derives sealing keys from master keys by id; current names
// the one new values are sealed under.
func NewKeyring(master map[string][]byte, current string) (*Keyring, error) {
	k := &Keyring{keys: map[string]cipher.AEAD{}, current: current}
	for id, mk := range master {
		if len(id) == 0 || len(id) > 255 {
			return nil, fmt.Errorf("auth: master key id %q must be 1-255 bytes", id)
		}
		dk, err := hkdf.Key(sha256.New, mk, nil, keyringInfo, 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(dk)
		if err != nil {
			return nil, err
		}
		if k.keys[id], err = cipher.NewGCM(block); err != nil {
			return nil, err
		}
	}
	if _, ok := k.keys[current]; !ok {
		return nil, fmt.Errorf("auth: current master key %q is not among the keys", current)
	}
	return k, nil
}

// Seal encrypts plaintext bound to aad (the owner's id):
// len(id) || id || nonce || ciphertext.
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	g := k.keys[k.current]
	out := append([]byte{byte(len(k.current))}, k.current...)
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	out = append(out, nonce...)
	return g.Seal(out, nonce, plaintext, aad)
}

// Open decrypts a sealed value; reseal reports it was sealed under another
// key than the current one.
func (k *Keyring) Open(sealed, aad []byte) (plaintext []byte, reseal bool, err error) {
	if len(sealed) < 1 || len(sealed) < 1+int(sealed[0]) {
		return nil, false, errors.New("auth: sealed value is truncated")
	}
	id := string(sealed[1 : 1+sealed[0]])
	g, ok := k.keys[id]
	if !ok {
		return nil, false, fmt.Errorf("auth: sealed under master key %q, which is not configured", id)
	}
	rest := sealed[1+len(id):]
	if len(rest) < g.NonceSize() {
		return nil, false, errors.New("auth: sealed value is truncated")
	}
	pt, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], aad)
	if err != nil {
		return nil, false, errors.New("auth: sealed value does not open (wrong key or altered)")
	}
	return pt, id != k.current, nil
}
