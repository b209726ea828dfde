package p11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"testing"
)

func TestObjectID(t *testing.T) {
	if got := hex.EncodeToString(ObjectID(refRSA)); got != "0190a1b2c3d47e5f8a9b000000000001" {
		t.Errorf("ObjectID(uuid) = %s", got)
	}
	a, b := ObjectID("kp-1"), ObjectID("kp-1")
	if len(a) != 16 || !bytes.Equal(a, b) || bytes.Equal(a, ObjectID("kp-2")) {
		t.Errorf("ObjectID(non-uuid) = %x", a)
	}
}

func TestKeyAttributes(t *testing.T) {
	f := standardFake(t)
	m, h := open(t, f)
	keys := testKeys()

	// The private key, public key and certificate share label and id.
	for _, label := range []string{"rsa", "p256"} {
		priv := findKey(t, m, h, CKO_PRIVATE_KEY, label)
		pub := findKey(t, m, h, CKO_PUBLIC_KEY, label)
		cert := findKey(t, m, h, CKO_CERTIFICATE, label)
		id := attr(t, m, h, priv, CKA_ID)
		if !bytes.Equal(id, attr(t, m, h, pub, CKA_ID)) || !bytes.Equal(id, attr(t, m, h, cert, CKA_ID)) {
			t.Errorf("%s: CKA_ID differs between objects", label)
		}
		der := attr(t, m, h, cert, CKA_VALUE)
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(attr(t, m, h, cert, CKA_SUBJECT), c.RawSubject) || !bytes.Equal(attr(t, m, h, cert, CKA_ISSUER), c.RawIssuer) ||
			!bytes.Equal(attr(t, m, h, priv, CKA_SUBJECT), c.RawSubject) {
			t.Errorf("%s: subject or issuer differ", label)
		}
		var serial *big.Int
		if _, err := asn1.Unmarshal(attr(t, m, h, cert, CKA_SERIAL_NUMBER), &serial); err != nil || serial.Cmp(c.SerialNumber) != 0 {
			t.Errorf("%s: serial %v, %v", label, serial, err)
		}
		if ct, _ := decodeULong(attr(t, m, h, cert, CKA_CERTIFICATE_TYPE)); ct != CKC_X_509 {
			t.Errorf("certificate type %d", ct)
		}
		spki := attr(t, m, h, priv, CKA_PUBLIC_KEY_INFO)
		if !bytes.Equal(spki, c.RawSubjectPublicKeyInfo) {
			t.Errorf("%s: CKA_PUBLIC_KEY_INFO is not the certificate's key", label)
		}
	}
	// Keys without certificates have no certificate object.
	if got := find(t, m, h, Attribute{Type: CKA_CLASS, Value: ulong(CKO_CERTIFICATE)}, Attribute{Type: CKA_LABEL, Value: []byte("p384")}); len(got) != 0 {
		t.Errorf("p384 has %d certificates", len(got))
	}

	rk := keys["rsa"].Public().(*rsa.PublicKey)
	for _, class := range []uint{CKO_PRIVATE_KEY, CKO_PUBLIC_KEY} {
		o := findKey(t, m, h, class, "rsa")
		if !bytes.Equal(attr(t, m, h, o, CKA_MODULUS), rk.N.Bytes()) || !bytes.Equal(attr(t, m, h, o, CKA_PUBLIC_EXPONENT), []byte{1, 0, 1}) {
			t.Error("RSA modulus or exponent")
		}
		if bits, _ := decodeULong(attr(t, m, h, o, CKA_MODULUS_BITS)); bits != 2048 {
			t.Errorf("modulus bits %d", bits)
		}
	}
	curves := map[string]string{"p256": "06082a8648ce3d030107", "p384": "06052b81040022", "p521": "06052b81040023", "ed": "06032b6570"}
	for label, params := range curves {
		o := findKey(t, m, h, CKO_PUBLIC_KEY, label)
		if got := hex.EncodeToString(attr(t, m, h, o, CKA_EC_PARAMS)); got != params {
			t.Errorf("%s: CKA_EC_PARAMS %s, want %s", label, got, params)
		}
		var point []byte
		if _, err := asn1.Unmarshal(attr(t, m, h, o, CKA_EC_POINT), &point); err != nil {
			t.Fatalf("%s: CKA_EC_POINT is not an OCTET STRING: %v", label, err)
		}
		var want []byte
		switch p := keys[label].Public().(type) {
		case *ecdsa.PublicKey:
			e, _ := p.ECDH()
			want = e.Bytes()
		case ed25519.PublicKey:
			want = p
		}
		if !bytes.Equal(point, want) {
			t.Errorf("%s: CKA_EC_POINT", label)
		}
	}
	kt := map[string]uint{"rsa": CKK_RSA, "p256": CKK_EC, "ed": CKK_EC_EDWARDS}
	for label, want := range kt {
		if got, _ := decodeULong(attr(t, m, h, findKey(t, m, h, CKO_PRIVATE_KEY, label), CKA_KEY_TYPE)); got != want {
			t.Errorf("%s: key type %d", label, got)
		}
	}
	priv := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	for typ, want := range map[AttributeType]byte{CKA_TOKEN: 1, CKA_PRIVATE: 0, CKA_SIGN: 1, CKA_SENSITIVE: 1, CKA_EXTRACTABLE: 0,
		CKA_ALWAYS_AUTHENTICATE: 0, CKA_NEVER_EXTRACTABLE: 1, CKA_DECRYPT: 0} {
		if got := attr(t, m, h, priv, typ); len(got) != 1 || got[0] != want {
			t.Errorf("attribute 0x%x = %v, want %d", typ, got, want)
		}
	}
}

func TestGetAttributeValueSemantics(t *testing.T) {
	m, h := open(t, standardFake(t))
	priv := findKey(t, m, h, CKO_PRIVATE_KEY, "rsa")
	label := []byte("rsa")

	tests := []struct {
		name    string
		tmpl    []Attribute
		want    RV
		wantLen []uint
	}{
		{"NULL buffer with a leftover length", []Attribute{{Type: CKA_LABEL, Len: 4096}}, CKR_OK, []uint{3}},
		{"exact buffer", []Attribute{{Type: CKA_LABEL, Value: make([]byte, 3)}}, CKR_OK, []uint{3}},
		{"big buffer", []Attribute{{Type: CKA_LABEL, Value: make([]byte, 64)}}, CKR_OK, []uint{3}},
		{"small buffer", []Attribute{{Type: CKA_LABEL, Value: make([]byte, 2)}}, CKR_BUFFER_TOO_SMALL, []uint{CK_UNAVAILABLE_INFORMATION}},
		{"empty non-NULL buffer", []Attribute{{Type: CKA_LABEL, Value: []byte{}}}, CKR_BUFFER_TOO_SMALL, []uint{CK_UNAVAILABLE_INFORMATION}},
		{"unknown attribute", []Attribute{{Type: CKA_LABEL, Value: make([]byte, 3)}, {Type: 0x7777, Value: make([]byte, 8)}},
			CKR_ATTRIBUTE_TYPE_INVALID, []uint{3, CK_UNAVAILABLE_INFORMATION}},
		{"sensitive attribute", []Attribute{{Type: CKA_PRIVATE_EXPONENT, Value: make([]byte, 512)}, {Type: CKA_LABEL}},
			CKR_ATTRIBUTE_SENSITIVE, []uint{CK_UNAVAILABLE_INFORMATION, 3}},
		{"sensitive wins over unknown", []Attribute{{Type: 0x7777}, {Type: CKA_PRIME_1}}, CKR_ATTRIBUTE_SENSITIVE,
			[]uint{CK_UNAVAILABLE_INFORMATION, CK_UNAVAILABLE_INFORMATION}},
		{"unknown wins over too small", []Attribute{{Type: CKA_LABEL, Value: make([]byte, 1)}, {Type: 0x7777}}, CKR_ATTRIBUTE_TYPE_INVALID,
			[]uint{CK_UNAVAILABLE_INFORMATION, CK_UNAVAILABLE_INFORMATION}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rv := m.GetAttributeValue(h, priv, tt.tmpl); rv != tt.want {
				t.Fatalf("rv = %v, want %v", rv, tt.want)
			}
			for i, a := range tt.tmpl {
				if a.Len != tt.wantLen[i] {
					t.Errorf("attribute %d: length %d, want %d", i, a.Len, tt.wantLen[i])
				}
				if a.Type == CKA_LABEL && a.Len == 3 && a.Value != nil && !bytes.Equal(a.Value[:3], label) {
					t.Errorf("label %q", a.Value)
				}
			}
		})
	}
	if rv := m.GetAttributeValue(h, 9999, []Attribute{{Type: CKA_LABEL}}); rv != CKR_OBJECT_HANDLE_INVALID {
		t.Errorf("bad object: %v", rv)
	}
	if rv := m.GetAttributeValue(999, priv, []Attribute{{Type: CKA_LABEL}}); rv != CKR_SESSION_HANDLE_INVALID {
		t.Errorf("bad session: %v", rv)
	}
	if n, rv := m.GetObjectSize(h, priv); rv != CKR_OK || n == 0 {
		t.Errorf("GetObjectSize = %d, %v", n, rv)
	}
}
