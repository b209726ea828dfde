package p11

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/signet-project/signet/internal/client"
)

// objectsOf builds the objects of the standard keys.
func objectsOf(tb testing.TB) []*object {
	var objs []*object
	for _, k := range standardFake(tb).keys {
		o, err := keyObjects(&k, false)
		if err != nil {
			tb.Fatal(err)
		}
		objs = append(objs, o...)
	}
	return objs
}

// fuzzTypes are the attribute types a fuzz byte picks from; other bytes
// are used as the type itself.
var fuzzTypes = []AttributeType{CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_KEY_TYPE, CKA_SIGN,
	CKA_MODULUS, CKA_EC_POINT, CKA_EC_PARAMS, CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_CERTIFICATE_TYPE, CKA_SUBJECT}

// attrsFromBytes reads [type byte][length byte][value] records; a length
// of 0xff stands for a NULL buffer.
func attrsFromBytes(b []byte) []Attribute {
	var out []Attribute
	for len(b) >= 2 {
		t := AttributeType(b[0])
		if int(b[0]) < len(fuzzTypes) {
			t = fuzzTypes[b[0]]
		}
		n := int(b[1])
		b = b[2:]
		if n == 0xff {
			out = append(out, Attribute{Type: t, Len: 4096})
			continue
		}
		n = min(n, len(b))
		out = append(out, Attribute{Type: t, Value: b[:n:n]})
		b = b[n:]
	}
	return out
}

func FuzzTemplate(f *testing.F) {
	f.Add([]byte{0, 8, 3, 0, 0, 0, 0, 0, 0, 0})           // CKA_CLASS = private key
	f.Add([]byte{1, 1, 1, 3, 3, 'r', 's', 'a'})           // CKA_TOKEN, CKA_LABEL rsa
	f.Add([]byte{4, 0xff, 10, 0xff, 7, 2, 0, 0})          // NULL buffers, sensitive, short buffer
	f.Add([]byte{200, 4, 1, 2, 3, 4, 11, 1, 9, 12, 1, 0}) // unknown type, bad lengths
	objs := objectsOf(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		attrs := attrsFromBytes(in)
		tmpl, rv := DecodeTemplate(attrs)
		if rv != CKR_OK && rv != CKR_ATTRIBUTE_VALUE_INVALID {
			t.Fatalf("DecodeTemplate = %v", rv)
		}
		for _, o := range objs {
			if rv == CKR_OK {
				for _, a := range tmpl {
					if k := kinds[a.Type]; (k == kindBool && len(a.Value) != 1) || (k == kindULong && len(a.Value) != ulongSize) {
						t.Fatalf("decoded %x of type 0x%x", a.Value, a.Type)
					}
				}
				tmpl.matches(o)
			}
			req := make([]Attribute, len(attrs))
			for i, a := range attrs {
				req[i] = Attribute{Type: a.Type, Len: a.Len}
				if a.Value != nil {
					req[i].Value = make([]byte, len(a.Value))
				}
			}
			grv := o.getAttributes(req)
			switch grv {
			case CKR_OK, CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL:
			default:
				t.Fatalf("getAttributes = %v", grv)
			}
			for _, a := range req {
				v, ok := o.attrs[a.Type]
				switch {
				case a.Len == CK_UNAVAILABLE_INFORMATION:
					if ok && !o.sensitive[a.Type] && (a.Value == nil || len(a.Value) >= len(v)) {
						t.Fatalf("attribute 0x%x unavailable", a.Type)
					}
				case !ok || a.Len != uint(len(v)):
					t.Fatalf("attribute 0x%x: length %d for %d bytes", a.Type, a.Len, len(v))
				case a.Value != nil && !bytes.Equal(a.Value[:a.Len], v):
					t.Fatalf("attribute 0x%x: wrong value", a.Type)
				}
			}
		}
	})
}

func FuzzParseDigestInfo(f *testing.F) {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		f.Add(digestInfo(h, []byte("seed")))
		f.Add(digest(h, []byte("seed")))
	}
	f.Add([]byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14})
	f.Fuzz(func(t *testing.T, in []byte) {
		h, d, err := ParseDigestInfo(in)
		if err != nil {
			return
		}
		if len(d) != h.Size() || !bytes.Equal(in, append(bytes.Clone(digestInfoPrefix[h]), d...)) {
			t.Fatalf("accepted %x as %v %x", in, h, d)
		}
	})
}

func FuzzECDSARaw(f *testing.F) {
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02}, 32)
	f.Add([]byte{0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x7f}, 66)
	f.Fuzz(func(t *testing.T, der []byte, size int) {
		size = 1 + (size&0x7f)%80
		raw, err := ecdsaRaw(der, size)
		if err == nil && len(raw) != 2*size {
			t.Fatalf("r||s of %d bytes for size %d", len(raw), size)
		}
	})
}

// FuzzKeyOf: the PEM of a keypair listing (public key, certificate, chain,
// from the server or the shared cache file) never panics the module, and a
// key it keeps has a public key its certificate, if any, carries.
func FuzzKeyOf(f *testing.F) {
	for _, k := range standardFake(f).keys {
		kp := listingOf(f, k)
		f.Add(kp.PublicKeyPEM, kp.CertificatePEM, kp.ChainPEM)
	}
	f.Add("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "", "")
	f.Fuzz(func(t *testing.T, pub, cert, chain string) {
		k, err := keyOf(client.Keypair{ID: "id", Alias: "a", PublicKeyPEM: pub, CertificatePEM: cert, ChainPEM: chain})
		if err != nil {
			return
		}
		if k.Public == nil {
			t.Fatal("kept a key without a public key")
		}
		if k.Certificate != nil {
			eq, ok := k.Public.(interface{ Equal(crypto.PublicKey) bool })
			if !ok || !eq.Equal(k.Certificate.PublicKey) {
				t.Fatal("kept a certificate of another key")
			}
		}
	})
}

// listingOf is a key as the server lists it: PEM strings.
func listingOf(tb testing.TB, k Key) client.Keypair {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		tb.Fatal(err)
	}
	kp := client.Keypair{PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
	if k.Certificate != nil {
		kp.CertificatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Certificate.Raw}))
		for _, c := range k.Chain {
			kp.ChainPEM += string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
		}
	}
	return kp
}
