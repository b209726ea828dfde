package disk

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"io"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/sigalg"
)

// signer wraps an in-memory key. It checks the digest before signing and
// hides the private key from callers that would type-assert it.
type signer struct{ key crypto.Signer }

func (s signer) Public() crypto.PublicKey { return s.key.Public() }

func (s signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if err := checkInput(s.key, digest, opts); err != nil {
		return nil, err
	}
	if r == nil {
		r = rand.Reader
	}
	return s.key.Sign(r, digest, opts)
}

// checkInput refuses options the key cannot honour and digests of the wrong length.
func checkInput(key crypto.Signer, digest []byte, opts crypto.SignerOpts) error {
	if opts == nil {
		return errs.BadRequest("unsupported_sig_alg", "no signer options given")
	}
	h := opts.HashFunc()
	switch key.(type) {
	case ed25519.PrivateKey:
		if o, ok := opts.(*ed25519.Options); ok && o.Context != "" {
			return errs.BadRequest("unsupported_sig_alg", "Ed25519 contexts are not supported")
		}
		if h == 0 {
			return nil // pure Ed25519: digest is the message
		}
		if _, ok := opts.(*ed25519.Options); !ok || h != crypto.SHA512 {
			return errs.BadRequest("unsupported_sig_alg", "Ed25519 keys sign messages or, as Ed25519ph, SHA-512 digests")
		}
	case *ecdsa.PrivateKey:
		if _, pss := opts.(*rsa.PSSOptions); pss {
			return errs.BadRequest("unsupported_sig_alg", "PSS options given for an ECDSA key")
		}
	}
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return errs.BadRequest("unknown_digest_alg", "unsupported digest algorithm %v; want SHA-256, SHA-384 or SHA-512", h)
	}
	if len(digest) != h.Size() {
		return errs.BadRequest("bad_digest_length", "a %s digest is %d bytes, got %d bytes",
			sigalg.HashName(h), h.Size(), len(digest))
	}
	return nil
}
