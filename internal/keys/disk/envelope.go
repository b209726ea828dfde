package disk

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/keys"
)

// Envelope layout constants; see the package doc.
const (
	magic       = "SGNK"
	version1    = 1
	dataKeySize = 32
	nonceSize   = 12
	tagSize     = 16
	wrappedSize = dataKeySize + tagSize
)

// ErrEnvelope is returned for a blob that is not a well-formed envelope.
var ErrEnvelope = errors.New("keys/disk: malformed key envelope")

// ErrOpen is returned when an envelope fails authentication: it was altered,
// belongs to another keypair, or its master key differs from the one named.
var ErrOpen = errors.New("keys/disk: key envelope does not open (altered, moved from another keypair, or wrong master key)")

// envelope is a parsed blob. Its slices alias the blob.
type envelope struct {
	kekID      string
	wrapNonce  []byte
	wrappedKey []byte
	keyNonce   []byte
	keyCT      []byte
}

// parseEnvelope splits b into its fields. It never decrypts.
func parseEnvelope(b []byte) (envelope, error) {
	if len(b) < 6 || string(b[:4]) != magic {
		return envelope{}, fmt.Errorf("%w: no %q header", ErrEnvelope, magic)
	}
	if b[4] != version1 {
		return envelope{}, fmt.Errorf("%w: unsupported version %d", ErrEnvelope, b[4])
	}
	n := int(b[5])
	rest := b[6:]
	if n == 0 || len(rest) < n+nonceSize+wrappedSize+nonceSize+tagSize+1 {
		return envelope{}, fmt.Errorf("%w: truncated (%d bytes)", ErrEnvelope, len(b))
	}
	var e envelope
	e.kekID, rest = string(rest[:n]), rest[n:]
	e.wrapNonce, rest = rest[:nonceSize], rest[nonceSize:]
	e.wrappedKey, rest = rest[:wrappedSize], rest[wrappedSize:]
	e.keyNonce, e.keyCT = rest[:nonceSize], rest[nonceSize:]
	return e, nil
}

// marshal encodes e in the version 1 layout.
func (e envelope) marshal() []byte {
	b := make([]byte, 0, 6+len(e.kekID)+2*nonceSize+wrappedSize+len(e.keyCT))
	b = append(b, magic...)
	b = append(b, version1, byte(len(e.kekID)))
	b = append(b, e.kekID...)
	b = append(b, e.wrapNonce...)
	b = append(b, e.wrappedKey...)
	b = append(b, e.keyNonce...)
	return append(b, e.keyCT...)
}

func kekAAD(kekID string) []byte { return append([]byte(magic+"\x01kek\x00"), kekID...) }
func keyAAD(id string) []byte    { return append([]byte(magic+"\x01key\x00"), id...) }

// seal encrypts key under a fresh data key wrapped by the current master key.
func (d *Disk) seal(id string, key crypto.Signer) (keys.Handle, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return keys.Handle{}, fmt.Errorf("keys/disk: cannot encode %T as PKCS#8", key)
	}
	defer clear(der)
	dek := random(dataKeySize)
	defer clear(dek)
	aead, err := newGCM(dek)
	if err != nil {
		return keys.Handle{}, err
	}
	e := envelope{keyNonce: random(nonceSize)}
	e.keyCT = aead.Seal(nil, e.keyNonce, der, keyAAD(id))
	d.wrap(&e, dek)
	return keys.Handle{Backend: Backend, URI: uriPrefix + id, KEK: e.kekID, Blob: e.marshal()}, nil
}

// wrap sets e's KEK id, nonce and wrapped key to dek wrapped by the current master key.
func (d *Disk) wrap(e *envelope, dek []byte) {
	e.kekID = d.current
	e.wrapNonce = random(nonceSize)
	e.wrappedKey = d.keks[d.current].Seal(nil, e.wrapNonce, dek, kekAAD(e.kekID))
}

// unwrap returns e's data key. The caller clears it.
func (d *Disk) unwrap(e envelope) ([]byte, error) {
	kek, ok := d.keks[e.kekID]
	if !ok {
		return nil, fmt.Errorf("keys/disk: envelope is wrapped by master key %q, which is not configured", e.kekID)
	}
	dek, err := kek.Open(nil, e.wrapNonce, e.wrappedKey, kekAAD(e.kekID))
	if err != nil {
		return nil, ErrOpen
	}
	return dek, nil
}

// openKey decrypts e's PKCS#8 key with dek for keypair id. The caller clears it.
func openKey(dek []byte, id string, e envelope) ([]byte, error) {
	aead, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, e.keyNonce, e.keyCT, keyAAD(id))
	if err != nil {
		return nil, ErrOpen
	}
	return der, nil
}
