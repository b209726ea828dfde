//go:build cgo && !nohsm

package hsm

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

// Import stores an in-memory RSA, ECDSA or Ed25519 private key on the token
// with C_CreateObject, as a sensitive, non-extractable token object (its
// CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE stay false, truthfully).
// If spec.Algorithm is set, the key must match it.
func (k *HSM) Import(ctx context.Context, spec keys.Spec, key crypto.Signer) (keys.Handle, error) {
	id := make([]byte, 16)
	rand.Read(id)
	alg, pubT, privT, err := importTemplates(key, id, spec.Label)
	if err != nil {
		return keys.Handle{}, err
	}
	defer func() {
		for _, a := range privT {
			switch a.Type {
			case pkcs11.CKA_VALUE, pkcs11.CKA_PRIVATE_EXPONENT, pkcs11.CKA_PRIME_1, pkcs11.CKA_PRIME_2,
				pkcs11.CKA_EXPONENT_1, pkcs11.CKA_EXPONENT_2, pkcs11.CKA_COEFFICIENT:
				clear(a.Value) // our copies of the secret values
			}
		}
	}()
	if spec.Algorithm.Type != "" && (alg.Type != spec.Algorithm.Type ||
		alg.Type == sigalg.RSA && alg.Bits != spec.Algorithm.Bits ||
		alg.Type == sigalg.ECDSA && alg.Curve != spec.Algorithm.Curve) {
		return keys.Handle{}, errs.BadRequest("key_algorithm_mismatch",
			"the key to import is %s %d%s, but the keypair wants %s %d%s",
			alg.Type, alg.Bits, alg.Curve, spec.Algorithm.Type, spec.Algorithm.Bits, spec.Algorithm.Curve)
	}
	k.objects.Lock()
	err = k.do(ctx, func(sh pkcs11.SessionHandle) error {
		priv, err := k.p.CreateObject(sh, privT)
		if err != nil {
			return err
		}
		if _, err := k.p.CreateObject(sh, pubT); err != nil {
			k.p.DestroyObject(sh, priv)
			return err
		}
		return nil
	})
	k.objects.Unlock()
	if err != nil {
		return keys.Handle{}, fmt.Errorf("keys/hsm: importing a %s key: %w", alg.Type, err)
	}
	return k.handle(id), nil
}

// importTemplates returns the algorithm of key and templates that store it.
func importTemplates(key crypto.Signer, id []byte, label string) (keys.Algorithm, []*pkcs11.Attribute, []*pkcs11.Attribute, error) {
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	priv := privateTemplate(id, label)
	attr := pkcs11.NewAttribute
	var a keys.Algorithm
	switch k := key.(type) {
	case *rsa.PrivateKey:
		a = keys.Algorithm{Type: sigalg.RSA, Bits: k.N.BitLen()}
		if len(k.Primes) != 2 || (a.Bits != 2048 && a.Bits != 3072 && a.Bits != 4096) {
			return a, nil, nil, badAlgorithm(a)
		}
		if err := k.Validate(); err != nil {
			return a, nil, nil, errs.BadRequest("invalid_key", "the RSA key to import is invalid")
		}
		k.Precompute()
		e := []byte{byte(k.E >> 24), byte(k.E >> 16), byte(k.E >> 8), byte(k.E)}
		pub = append(pub, attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_MODULUS, k.N.Bytes()),
			attr(pkcs11.CKA_PUBLIC_EXPONENT, e))
		priv = append(priv, attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_DECRYPT, false),
			attr(pkcs11.CKA_MODULUS, k.N.Bytes()), attr(pkcs11.CKA_PUBLIC_EXPONENT, e),
			attr(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			attr(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()), attr(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
			attr(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()), attr(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			attr(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()))
	case *ecdsa.PrivateKey:
		a = keys.Algorithm{Type: sigalg.ECDSA, Curve: k.Curve.Params().Name}
		var oid []byte
		for _, c := range curves {
			if c.name == a.Curve {
				oid = c.oid
			}
		}
		if oid == nil {
			return a, nil, nil, badAlgorithm(a)
		}
		point, err := k.PublicKey.Bytes()
		if err != nil {
			return a, nil, nil, err
		}
		scalar, err := k.Bytes()
		if err != nil {
			return a, nil, nil, err
		}
		der, _ := asn1.Marshal(point)
		pub = append(pub, attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC), attr(pkcs11.CKA_EC_PARAMS, oid), attr(pkcs11.CKA_EC_POINT, der))
		priv = append(priv, attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC), attr(pkcs11.CKA_DERIVE, false),
			attr(pkcs11.CKA_EC_PARAMS, oid), attr(pkcs11.CKA_VALUE, scalar))
	case ed25519.PrivateKey:
		a = keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}
		der, _ := asn1.Marshal([]byte(k.Public().(ed25519.PublicKey)))
		pub = append(pub, attr(pkcs11.CKA_KEY_TYPE, ckkECEdwards), attr(pkcs11.CKA_EC_PARAMS, oidEd25519), attr(pkcs11.CKA_EC_POINT, der))
		priv = append(priv, attr(pkcs11.CKA_KEY_TYPE, ckkECEdwards), attr(pkcs11.CKA_EC_PARAMS, oidEd25519),
			attr(pkcs11.CKA_VALUE, k.Seed()))
	default:
		return a, nil, nil, errs.BadRequest("unsupported_key_type",
			"cannot import a %T: want an in-memory *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey", key)
	}
	return a, pub, priv, nil
}
