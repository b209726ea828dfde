package p11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// object is one token object: a private key, a public key or a certificate.
type object struct {
	handle    ObjectHandle
	class     uint
	key       *Key // the keypair of a key or leaf certificate; nil for CA certificates
	attrs     map[AttributeType][]byte
	sensitive map[AttributeType]bool // attributes the object has but never reveals
}

// Curve OIDs for CKA_EC_PARAMS.
var (
	oidP256    = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384    = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521    = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// keyType returns the CKK_ of a public key.
func keyType(pub crypto.PublicKey) (uint, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return CKK_RSA, nil
	case *ecdsa.PublicKey:
		if _, err := curveOID(p.Curve); err != nil {
			return 0, err
		}
		return CKK_EC, nil
	case ed25519.PublicKey:
		return CKK_EC_EDWARDS, nil
	}
	return 0, fmt.Errorf("unsupported public key %T", pub)
}

func curveOID(c elliptic.Curve) (asn1.ObjectIdentifier, error) {
	switch c {
	case elliptic.P256():
		return oidP256, nil
	case elliptic.P384():
		return oidP384, nil
	case elliptic.P521():
		return oidP521, nil
	}
	return nil, fmt.Errorf("unsupported curve %s", c.Params().Name)
}

func mustDER(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only called with values that always encode
	}
	return b
}

// publicAttrs returns the attributes describing the public key, shared by
// the private and public key objects.
func publicAttrs(pub crypto.PublicKey) (map[AttributeType][]byte, error) {
	kt, err := keyType(pub)
	if err != nil {
		return nil, err
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	a := map[AttributeType][]byte{CKA_KEY_TYPE: ulong(kt), CKA_PUBLIC_KEY_INFO: spki}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		a[CKA_MODULUS] = p.N.Bytes()
		a[CKA_MODULUS_BITS] = ulong(uint(p.N.BitLen()))
		a[CKA_PUBLIC_EXPONENT] = big.NewInt(int64(p.E)).Bytes()
	case *ecdsa.PublicKey:
		oid, _ := curveOID(p.Curve)
		pk, err := p.ECDH()
		if err != nil {
			return nil, err
		}
		a[CKA_EC_PARAMS] = mustDER(oid)
		a[CKA_EC_POINT] = mustDER(pk.Bytes())
	case ed25519.PublicKey:
		a[CKA_EC_PARAMS] = mustDER(oidEd25519)
		a[CKA_EC_POINT] = mustDER([]byte(p))
	}
	a[CKA_ALLOWED_MECHANISMS] = allowedMechanisms(kt)
	return a, nil
}

// storageAttrs are the attributes every object has.
func storageAttrs(class uint, label string, private bool) map[AttributeType][]byte {
	return map[AttributeType][]byte{
		CKA_CLASS: ulong(class), CKA_TOKEN: ckBool(true), CKA_PRIVATE: ckBool(private), CKA_LABEL: []byte(label),
		CKA_MODIFIABLE: ckBool(false), CKA_COPYABLE: ckBool(false), CKA_DESTROYABLE: ckBool(false),
	}
}

// keyObjects builds the private key, public key and (when k has one)
// certificate objects of k. privateHidden sets CKA_PRIVATE on the private
// key (the token requires login).
func keyObjects(k *Key, privateHidden bool) ([]*object, error) {
	pa, err := publicAttrs(k.Public)
	if err != nil {
		return nil, err
	}
	id := ObjectID(k.Ref)
	var subject []byte
	if k.Certificate != nil {
		subject = k.Certificate.RawSubject
	}
	common := func(class uint, private bool) map[AttributeType][]byte {
		a := storageAttrs(class, k.Alias, private)
		for t, v := range pa {
			a[t] = v
		}
		a[CKA_ID], a[CKA_SUBJECT] = id, subject
		a[CKA_DERIVE], a[CKA_LOCAL] = ckBool(false), ckBool(false)
		a[CKA_START_DATE], a[CKA_END_DATE] = []byte{}, []byte{}
		return a
	}
	priv := &object{class: CKO_PRIVATE_KEY, key: k, attrs: common(CKO_PRIVATE_KEY, privateHidden), sensitive: map[AttributeType]bool{}}
	for t, v := range map[AttributeType]bool{CKA_SENSITIVE: true, CKA_DECRYPT: false, CKA_SIGN: true, CKA_SIGN_RECOVER: false,
		CKA_UNWRAP: false, CKA_EXTRACTABLE: false, CKA_ALWAYS_SENSITIVE: true, CKA_NEVER_EXTRACTABLE: true,
		CKA_WRAP_WITH_TRUSTED: false, CKA_ALWAYS_AUTHENTICATE: false} {
		priv.attrs[t] = ckBool(v)
	}
	if _, ok := k.Public.(*rsa.PublicKey); ok {
		for _, t := range []AttributeType{CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT} {
			priv.sensitive[t] = true
		}
	} else {
		priv.sensitive[CKA_VALUE] = true
	}
	pub := &object{class: CKO_PUBLIC_KEY, key: k, attrs: common(CKO_PUBLIC_KEY, false)}
	for t, v := range map[AttributeType]bool{CKA_ENCRYPT: false, CKA_VERIFY: true, CKA_VERIFY_RECOVER: false, CKA_WRAP: false, CKA_TRUSTED: false} {
		pub.attrs[t] = ckBool(v)
	}
	objs := []*object{priv, pub}
	if k.Certificate != nil {
		objs = append(objs, certObject(k.Certificate, k.Alias, id, 1, k))
	}
	return objs, nil
}

// certObject builds an X.509 certificate object. category is
// CKA_CERTIFICATE_CATEGORY: 1 for the user's own, 2 for an authority.
func certObject(c *x509.Certificate, label string, id []byte, category uint, k *Key) *object {
	a := storageAttrs(CKO_CERTIFICATE, label, false)
	check := sha1.Sum(c.Raw)
	for t, v := range map[AttributeType][]byte{
		CKA_CERTIFICATE_TYPE: ulong(CKC_X_509), CKA_TRUSTED: ckBool(false), CKA_CERTIFICATE_CATEGORY: ulong(category),
		CKA_CHECK_VALUE: check[:3], CKA_START_DATE: ckDate(c.NotBefore), CKA_END_DATE: ckDate(c.NotAfter),
		CKA_PUBLIC_KEY_INFO: c.RawSubjectPublicKeyInfo, CKA_SUBJECT: c.RawSubject, CKA_ID: id, CKA_ISSUER: c.RawIssuer,
		CKA_SERIAL_NUMBER: mustDER(c.SerialNumber), CKA_VALUE: c.Raw, CKA_URL: {},
	} {
		a[t] = v
	}
	return &object{class: CKO_CERTIFICATE, key: k, attrs: a}
}

// caObject builds the object of a chain certificate: labelled with its
// subject's common name, CKA_ID the first 16 bytes of its SHA-256.
func caObject(c *x509.Certificate) *object {
	label := c.Subject.CommonName
	if label == "" {
		label = c.Subject.String()
	}
	sum := sha256.Sum256(c.Raw)
	return certObject(c, label, sum[:16], 2, nil)
}

// ckDate encodes t as a CK_DATE (YYYYMMDD).
func ckDate(t time.Time) []byte { return []byte(t.UTC().Format("20060102")) }
