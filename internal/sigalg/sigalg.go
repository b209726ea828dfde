// Package sigalg parses the signature algorithm names of the signing API
// (Java names, matched without regard to case) and checks digests against them.
package sigalg

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"strings"

	"github.com/signet-project/signet/internal/errs"
)

// KeyType is the kind of key an algorithm needs.
type KeyType string

// Key types.
const (
	RSA     KeyType = "rsa"
	ECDSA   KeyType = "ecdsa"
	Ed25519 KeyType = "eddsa"
)

// MaxPureMessage is the largest message accepted for pure Ed25519.
const MaxPureMessage = 64 << 10

// Alg is a parsed signature algorithm.
type Alg struct {
	Name string      // canonical name, e.g. "SHA256withRSA/PSS"
	Key  KeyType     // key type it needs
	Hash crypto.Hash // digest algorithm; 0 for pure Ed25519
	PSS  bool        // RSA-PSS with salt length equal to the hash length
	Pure bool        // pure Ed25519: the input is the message itself
}

var algs = func() map[string]Alg {
	m := map[string]Alg{}
	add := func(a Alg) { m[strings.ToLower(a.Name)] = a }
	for _, h := range []struct {
		n string
		h crypto.Hash
	}{{"SHA256", crypto.SHA256}, {"SHA384", crypto.SHA384}, {"SHA512", crypto.SHA512}} {
		add(Alg{Name: h.n + "withRSA", Key: RSA, Hash: h.h})
		add(Alg{Name: h.n + "withRSA/PSS", Key: RSA, Hash: h.h, PSS: true})
		add(Alg{Name: h.n + "withECDSA", Key: ECDSA, Hash: h.h})
	}
	add(Alg{Name: "Ed25519ph", Key: Ed25519, Hash: crypto.SHA512})
	add(Alg{Name: "Ed25519", Key: Ed25519, Pure: true})
	return m
}()

// Names lists the canonical algorithm names, for docs and errors.
func Names() []string {
	return []string{
		"SHA256withRSA", "SHA384withRSA", "SHA512withRSA",
		"SHA256withRSA/PSS", "SHA384withRSA/PSS", "SHA512withRSA/PSS",
		"SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
		"Ed25519ph", "Ed25519",
	}
}

// Parse returns the algorithm named s, matched without regard to case.
func Parse(s string) (Alg, error) {
	a, ok := algs[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return Alg{}, errs.BadRequest("unknown_sig_alg",
			"unknown sig_alg %q; supported: %s", s, strings.Join(Names(), ", "))
	}
	return a, nil
}

// CheckInput checks the length of the digest (or, for pure Ed25519, the message).
func (a Alg) CheckInput(in []byte) error {
	if a.Pure {
		if len(in) == 0 || len(in) > MaxPureMessage {
			return errs.BadRequest("bad_message_length",
				"Ed25519 signs the message itself: 1 to %d bytes, got %d", MaxPureMessage, len(in))
		}
		return nil
	}
	if len(in) != a.Hash.Size() {
		return errs.BadRequest("bad_digest_length",
			"%s needs a %s digest of %d bytes, got %d bytes", a.Name, HashName(a.Hash), a.Hash.Size(), len(in))
	}
	return nil
}

// SignerOpts returns the options to pass to crypto.Signer.Sign.
func (a Alg) SignerOpts() crypto.SignerOpts {
	switch {
	case a.Pure:
		return crypto.Hash(0)
	case a.Key == Ed25519:
		return &ed25519.Options{Hash: crypto.SHA512}
	case a.PSS:
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.Hash}
	default:
		return a.Hash
	}
}

// HashName returns the lower-case name of h as used in the API ("sha256").
func HashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "sha256"
	case crypto.SHA384:
		return "sha384"
	case crypto.SHA512:
		return "sha512"
	case 0:
		return "none"
	}
	return strings.ToLower(h.String())
}

// ParseHash returns the hash named s ("sha256", "SHA-384", ...).
func ParseHash(s string) (crypto.Hash, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "-", "") {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, errs.BadRequest("unknown_digest_alg", "unknown digest algorithm %q; supported: sha256, sha384, sha512", s)
}
