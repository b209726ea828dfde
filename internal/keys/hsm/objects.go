//go:build cgo && !nohsm

package hsm

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

// PKCS#11 3.0 names that github.com/miekg/pkcs11 v1.1.2 lacks.
const (
	ckkECEdwards           = 0x40
	ckmECEdwardsKeyPairGen = 0x1055
	ckmEDDSA               = 0x1057
)

// errNoObject means no key object has the CKA_ID looked for.
var errNoObject = errors.New("keys/hsm: no key object with that id")

// DER-encoded curve OIDs, as CKA_EC_PARAMS holds them.
var (
	oidP256    = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	oidP384    = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}
	oidP521    = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}
	oidEd25519 = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}
	// Some tokens name the curve instead: PrintableString "edwards25519".
	nameEd25519 = append([]byte{0x13, 0x0c}, "edwards25519"...)
)

var curves = []struct {
	name  string
	oid   []byte
	curve elliptic.Curve
}{
	{"P-256", oidP256, elliptic.P256()},
	{"P-384", oidP384, elliptic.P384()},
	{"P-521", oidP521, elliptic.P521()},
}

func badAlgorithm(a keys.Algorithm) error {
	return errs.BadRequest("unsupported_key_algorithm",
		"unsupported key algorithm %q (bits %d, curve %q): want rsa with 2048, 3072 or 4096 bits, ecdsa on P-256, P-384 or P-521, or eddsa on Ed25519",
		a.Type, a.Bits, a.Curve)
}

// keyTemplates returns the generation mechanism and the public and private
// templates for a key of algorithm a with CKA_ID id and CKA_LABEL label.
func keyTemplates(a keys.Algorithm, id []byte, label string) (uint, []*pkcs11.Attribute, []*pkcs11.Attribute, error) {
	pub := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	priv := privateTemplate(id, label)
	switch a.Type {
	case sigalg.RSA:
		if a.Bits != 2048 && a.Bits != 3072 && a.Bits != 4096 {
			return 0, nil, nil, badAlgorithm(a)
		}
		pub = append(pub, pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, a.Bits),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}))
		priv = append(priv, pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false))
		return pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv, nil
	case sigalg.ECDSA:
		for _, c := range curves {
			if c.name == a.Curve {
				pub = append(pub, pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, c.oid))
				priv = append(priv, pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false))
				return pkcs11.CKM_EC_KEY_PAIR_GEN, pub, priv, nil
			}
		}
	case sigalg.Ed25519:
		if a.Curve == "" || a.Curve == "Ed25519" {
			pub = append(pub, pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, oidEd25519))
			return ckmECEdwardsKeyPairGen, pub, priv, nil
		}
	}
	return 0, nil, nil, badAlgorithm(a)
}

// privateTemplate holds the attributes every private key gets.
func privateTemplate(id []byte, label string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
}

// findObjects returns the objects of class with CKA_ID id.
func findObjects(p p11, sh pkcs11.SessionHandle, class uint, id []byte) ([]pkcs11.ObjectHandle, error) {
	if err := p.FindObjectsInit(sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}); err != nil {
		return nil, err
	}
	objs, _, err := p.FindObjects(sh, 4)
	if ferr := p.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	return objs, err
}

// findObject returns the one object of class with CKA_ID id.
func findObject(p p11, sh pkcs11.SessionHandle, class uint, id []byte) (pkcs11.ObjectHandle, error) {
	objs, err := findObjects(p, sh, class, id)
	switch {
	case err != nil:
		return 0, err
	case len(objs) == 0:
		return 0, errNoObject
	case len(objs) > 1:
		return 0, fmt.Errorf("keys/hsm: %d objects of class %d share CKA_ID %x", len(objs), class, id)
	}
	return objs[0], nil
}

// publicKey reads the public key object o.
func publicKey(p p11, sh pkcs11.SessionHandle, o pkcs11.ObjectHandle) (crypto.PublicKey, error) {
	attrs, err := p.GetAttributeValue(sh, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil)})
	if err != nil {
		return nil, err
	}
	switch ulong(attrs[0].Value) {
	case pkcs11.CKK_RSA:
		attrs, err = p.GetAttributeValue(sh, o, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil), pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, nil)})
		if err != nil {
			return nil, err
		}
		e := new(big.Int).SetBytes(attrs[1].Value)
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, errors.New("keys/hsm: RSA public exponent out of range")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(attrs[0].Value), E: int(e.Int64())}, nil
	case pkcs11.CKK_EC, ckkECEdwards:
		attrs, err = p.GetAttributeValue(sh, o, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil), pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
		if err != nil {
			return nil, err
		}
		return ecPublicKey(attrs[0].Value, attrs[1].Value)
	}
	return nil, fmt.Errorf("keys/hsm: unsupported key type %#x", ulong(attrs[0].Value))
}

// ecPublicKey decodes CKA_EC_PARAMS and CKA_EC_POINT. The point may be DER
// OCTET STRING wrapped (PKCS#11 2.40) or raw.
func ecPublicKey(params, point []byte) (crypto.PublicKey, error) {
	var inner []byte
	if rest, err := asn1.Unmarshal(point, &inner); err == nil && len(rest) == 0 {
		point = inner
	}
	if bytes.Equal(params, oidEd25519) || bytes.Equal(params, nameEd25519) {
		if len(point) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("keys/hsm: Ed25519 point is %d bytes", len(point))
		}
		return ed25519.PublicKey(bytes.Clone(point)), nil
	}
	for _, c := range curves {
		if bytes.Equal(params, c.oid) {
			return ecdsa.ParseUncompressedPublicKey(c.curve, point)
		}
	}
	return nil, fmt.Errorf("keys/hsm: unsupported curve parameters %x", params)
}

// ulong decodes a CK_ULONG attribute value (native byte order).
func ulong(b []byte) uint {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	}
	return ^uint(0)
}
