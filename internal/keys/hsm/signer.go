//go:build cgo && !nohsm

package hsm

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"unsafe"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/sigalg"
)

// signer signs with a private key on the token. Its rand argument is
// ignored: the token uses its own random number generator.
type signer struct {
	k   *HSM
	id  []byte
	pub crypto.PublicKey
}

func (s *signer) Public() crypto.PublicKey { return s.pub }

func (s *signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	mech, data, err := mechanism(s.pub, digest, opts)
	if err != nil {
		return nil, err
	}
	var sig []byte
	err = s.k.do(context.Background(), func(sh pkcs11.SessionHandle) error {
		o, err := s.k.privateKey(sh, s.id)
		if err != nil {
			return err
		}
		if err := s.k.p.SignInit(sh, []*pkcs11.Mechanism{mech}, o); err != nil {
			return err
		}
		sig, err = s.k.p.Sign(sh, data)
		return err
	})
	if err != nil {
		return nil, s.k.keyErr(s.id, err)
	}
	return finish(s.pub, digest, opts, sig)
}

// hashes holds, for each digest Signet signs, its PKCS#11 mechanism, its
// MGF1 function for PSS and its PKCS#1 v1.5 DigestInfo prefix.
var hashes = map[crypto.Hash]struct {
	mech, mgf uint
	prefix    []byte
}{
	crypto.SHA256: {pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}},
	crypto.SHA384: {pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384, []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}},
	crypto.SHA512: {pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512, []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}},
}

func unsupported(format string, args ...any) error {
	return errs.BadRequest("unsupported_sig_alg", format, args...)
}

// checkDigest checks that opts names a supported hash and digest has its length.
func checkDigest(digest []byte, opts crypto.SignerOpts) error {
	h := opts.HashFunc()
	if _, ok := hashes[h]; !ok {
		return errs.BadRequest("unknown_digest_alg", "unsupported digest algorithm %v; want SHA-256, SHA-384 or SHA-512", h)
	}
	if len(digest) != h.Size() {
		return errs.BadRequest("bad_digest_length", "a %s digest is %d bytes, got %d bytes", sigalg.HashName(h), h.Size(), len(digest))
	}
	return nil
}

// mechanism maps a signing request to a PKCS#11 mechanism and the data to sign.
func mechanism(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) (*pkcs11.Mechanism, []byte, error) {
	if opts == nil {
		return nil, nil, unsupported("no signer options given")
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if err := checkDigest(digest, opts); err != nil {
			return nil, nil, err
		}
		h := hashes[opts.HashFunc()]
		if o, ok := opts.(*rsa.PSSOptions); ok {
			salt, err := saltLength(k, opts.HashFunc(), o.SaltLength)
			if err != nil {
				return nil, nil, err
			}
			return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, pkcs11.NewPSSParams(h.mech, h.mgf, uint(salt))), digest, nil
		}
		return pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil), append(append([]byte{}, h.prefix...), digest...), nil
	case *ecdsa.PublicKey:
		if _, ok := opts.(*rsa.PSSOptions); ok {
			return nil, nil, unsupported("PSS options given for an ECDSA key")
		}
		if err := checkDigest(digest, opts); err != nil {
			return nil, nil, err
		}
		// Use the leftmost bits of the digest, as ecdsa.Sign does. The
		// supported curves' orders are a whole number of bytes long or
		// longer than any digest, so whole bytes suffice.
		if n := (k.Curve.Params().N.BitLen() + 7) / 8; len(digest) > n {
			digest = digest[:n]
		}
		return pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil), digest, nil
	case ed25519.PublicKey:
		o, _ := opts.(*ed25519.Options)
		switch {
		case o != nil && o.Context != "":
			return nil, nil, unsupported("Ed25519 contexts are not supported")
		case opts.HashFunc() == 0:
			return pkcs11.NewMechanism(ckmEDDSA, nil), digest, nil // pure: digest is the message
		case o == nil || o.Hash != crypto.SHA512:
			return nil, nil, unsupported("Ed25519 keys sign messages or, as Ed25519ph, SHA-512 digests")
		}
		if err := checkDigest(digest, opts); err != nil {
			return nil, nil, err
		}
		return pkcs11.NewMechanism(ckmEDDSA, eddsaPrehashParams()), digest, nil
	}
	return nil, nil, unsupported("unsupported public key type %T", pub)
}

// eddsaPrehashParams encodes CK_EDDSA_PARAMS{phFlag: CK_TRUE,
// ulContextDataLen: 0, pContextData: NULL} with C's layout on Unix: a byte,
// padding to a CK_ULONG (word sized), a CK_ULONG and a pointer.
func eddsaPrehashParams() []byte {
	b := make([]byte, 3*unsafe.Sizeof(uintptr(0)))
	b[0] = 1
	return b
}

// saltLength resolves rsa.PSSOptions.SaltLength for key k and hash h.
func saltLength(k *rsa.PublicKey, h crypto.Hash, salt int) (int, error) {
	maxSalt := (k.N.BitLen()-1+7)/8 - 2 - h.Size()
	switch {
	case salt == rsa.PSSSaltLengthEqualsHash:
		return h.Size(), nil
	case salt == rsa.PSSSaltLengthAuto:
		return maxSalt, nil
	case salt < 0 || salt > maxSalt:
		return 0, unsupported("PSS salt length %d is out of range 0..%d", salt, maxSalt)
	}
	return salt, nil
}

// finish turns the token's output into what Go's signers return.
func finish(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts, sig []byte) ([]byte, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(sig) != 2*n {
			return nil, errors.New("keys/hsm: token returned a malformed ECDSA signature")
		}
		return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
	case ed25519.PublicKey:
		if opts.HashFunc() == 0 {
			return sig, nil
		}
		if ed25519.VerifyWithOptions(k, digest, sig, &ed25519.Options{Hash: crypto.SHA512}) != nil {
			return nil, unsupported("this HSM token does not implement Ed25519ph (it ignores CK_EDDSA_PARAMS.phFlag); use pure Ed25519 (sig_alg Ed25519) with this key")
		}
	}
	return sig, nil
}
