package disk

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

var curves = map[string]elliptic.Curve{
	"P-256": elliptic.P256(),
	"P-384": elliptic.P384(),
	"P-521": elliptic.P521(),
}

func badAlgorithm(a keys.Algorithm) error {
	return errs.BadRequest("unsupported_key_algorithm",
		"unsupported key algorithm %s: want rsa with 2048, 3072 or 4096 bits, ecdsa on P-256, P-384 or P-521, or eddsa on Ed25519",
		describe(a))
}

func describe(a keys.Algorithm) string {
	switch {
	case a.Bits != 0:
		return fmt.Sprintf("%q with %d bits", a.Type, a.Bits)
	case a.Curve != "":
		return fmt.Sprintf("%q on %q", a.Type, a.Curve)
	}
	return fmt.Sprintf("%q", a.Type)
}

// generate creates a key for a, which it validates.
func generate(a keys.Algorithm) (crypto.Signer, error) {
	switch a.Type {
	case sigalg.RSA:
		if a.Bits != 2048 && a.Bits != 3072 && a.Bits != 4096 {
			return nil, badAlgorithm(a)
		}
		return rsa.GenerateKey(rand.Reader, a.Bits)
	case sigalg.ECDSA:
		c, ok := curves[a.Curve]
		if !ok {
			return nil, badAlgorithm(a)
		}
		return ecdsa.GenerateKey(c, rand.Reader)
	case sigalg.Ed25519:
		if a.Curve != "" && a.Curve != "Ed25519" {
			return nil, badAlgorithm(a)
		}
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, badAlgorithm(a)
}

// algorithmOf returns the algorithm of an in-memory private key, or an error
// if Signet does not support it.
func algorithmOf(key crypto.Signer) (keys.Algorithm, error) {
	var a keys.Algorithm
	switch k := key.(type) {
	case *rsa.PrivateKey:
		a = keys.Algorithm{Type: sigalg.RSA, Bits: k.N.BitLen()}
		if len(k.Primes) != 2 {
			return a, errs.BadRequest("unsupported_key_algorithm", "multi-prime RSA keys are not supported")
		}
		if err := k.Validate(); err != nil {
			return a, errs.BadRequest("invalid_key", "the RSA key to import is invalid")
		}
	case *ecdsa.PrivateKey:
		a = keys.Algorithm{Type: sigalg.ECDSA, Curve: k.Curve.Params().Name}
	case ed25519.PrivateKey:
		a = keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}
	default:
		return a, errs.BadRequest("unsupported_key_type",
			"cannot import a %T: want an in-memory *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey", key)
	}
	switch {
	case a.Type == sigalg.RSA && a.Bits != 2048 && a.Bits != 3072 && a.Bits != 4096,
		a.Type == sigalg.ECDSA && curves[a.Curve] == nil:
		return a, badAlgorithm(a)
	}
	return a, nil
}

// checkImport checks that key is supported and, if want is set, matches it.
func checkImport(want keys.Algorithm, key crypto.Signer) error {
	got, err := algorithmOf(key)
	if err != nil {
		return err
	}
	if want.Type == "" {
		return nil
	}
	if got.Type != want.Type ||
		(got.Type == sigalg.RSA && got.Bits != want.Bits) ||
		(got.Type == sigalg.ECDSA && got.Curve != want.Curve) {
		return errs.BadRequest("key_algorithm_mismatch",
			"the key to import is %s, but the keypair wants %s", describe(got), describe(want))
	}
	return nil
}
