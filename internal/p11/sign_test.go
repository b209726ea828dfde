package p11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"net/http"
	"testing"

	"github.com/signet-project/signet/internal/client"
)

func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

func digestInfo(h crypto.Hash, msg []byte) []byte {
	return append(bytes.Clone(digestInfoPrefix[h]), digest(h, msg)...)
}

func TestSignMechanisms(t *testing.T) {
	f := standardFake(t)
	m, h := open(t, f)
	keys := testKeys()
	rsaPub := keys["rsa"].Public().(*rsa.PublicKey)
	msg := []byte("the artifact, hashed here and never sent")
	pss := func(h crypto.Hash) *rsa.PSSOptions { return &rsa.PSSOptions{SaltLength: h.Size(), Hash: h} }
	ecVerify := func(label string, h crypto.Hash) func([]byte) bool {
		pub := keys[label].Public().(*ecdsa.PublicKey)
		return func(sig []byte) bool {
			n := len(sig) / 2
			return n == (pub.Curve.Params().BitSize+7)/8 &&
				ecdsa.Verify(pub, digest(h, msg), new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
		}
	}
	tests := []struct {
		name     string
		label    string
		mech     Mechanism
		data     []byte
		wantAlg  string
		wantSent []byte // what reached the backend
		verify   func(sig []byte) bool
	}{
		{"RSA-PKCS DigestInfo SHA-256", "rsa", Mechanism{Type: CKM_RSA_PKCS}, digestInfo(crypto.SHA256, msg), "SHA256withRSA", digest(crypto.SHA256, msg),
			func(s []byte) bool {
				return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest(crypto.SHA256, msg), s) == nil
			}},
		{"RSA-PKCS DigestInfo SHA-384", "rsa", Mechanism{Type: CKM_RSA_PKCS}, digestInfo(crypto.SHA384, msg), "SHA384withRSA", digest(crypto.SHA384, msg),
			func(s []byte) bool {
				return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA384, digest(crypto.SHA384, msg), s) == nil
			}},
		{"RSA-PKCS DigestInfo SHA-512", "rsa", Mechanism{Type: CKM_RSA_PKCS}, digestInfo(crypto.SHA512, msg), "SHA512withRSA", digest(crypto.SHA512, msg),
			func(s []byte) bool {
				return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA512, digest(crypto.SHA512, msg), s) == nil
			}},
		{"SHA256-RSA-PKCS", "rsa", Mechanism{Type: CKM_SHA256_RSA_PKCS}, msg, "SHA256withRSA", digest(crypto.SHA256, msg),
			func(s []byte) bool {
				return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest(crypto.SHA256, msg), s) == nil
			}},
		{"SHA512-RSA-PKCS", "rsa", Mechanism{Type: CKM_SHA512_RSA_PKCS}, msg, "SHA512withRSA", digest(crypto.SHA512, msg),
			func(s []byte) bool {
				return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA512, digest(crypto.SHA512, msg), s) == nil
			}},
		{"RSA-PKCS-PSS", "rsa", Mechanism{Type: CKM_RSA_PKCS_PSS, Param: pssParam(CKM_SHA256, CKG_MGF1_SHA256, 32)}, digest(crypto.SHA256, msg),
			"SHA256withRSA/PSS", digest(crypto.SHA256, msg),
			func(s []byte) bool {
				return rsa.VerifyPSS(rsaPub, crypto.SHA256, digest(crypto.SHA256, msg), s, pss(crypto.SHA256)) == nil
			}},
		{"SHA384-RSA-PKCS-PSS", "rsa", Mechanism{Type: CKM_SHA384_RSA_PKCS_PSS, Param: pssParam(CKM_SHA384, CKG_MGF1_SHA384, 48)}, msg,
			"SHA384withRSA/PSS", digest(crypto.SHA384, msg),
			func(s []byte) bool {
				return rsa.VerifyPSS(rsaPub, crypto.SHA384, digest(crypto.SHA384, msg), s, pss(crypto.SHA384)) == nil
			}},
		{"ECDSA P-256", "p256", Mechanism{Type: CKM_ECDSA}, digest(crypto.SHA256, msg), "SHA256withECDSA", digest(crypto.SHA256, msg),
			ecVerify("p256", crypto.SHA256)},
		{"ECDSA P-384 with SHA-384", "p384", Mechanism{Type: CKM_ECDSA}, digest(crypto.SHA384, msg), "SHA384withECDSA", digest(crypto.SHA384, msg),
			ecVerify("p384", crypto.SHA384)},
		{"ECDSA P-521 with SHA-512", "p521", Mechanism{Type: CKM_ECDSA}, digest(crypto.SHA512, msg), "SHA512withECDSA", digest(crypto.SHA512, msg),
			ecVerify("p521", crypto.SHA512)},
		{"ECDSA-SHA256 on P-384", "p384", Mechanism{Type: CKM_ECDSA_SHA256}, msg, "SHA256withECDSA", digest(crypto.SHA256, msg),
			ecVerify("p384", crypto.SHA256)},
		{"EDDSA pure", "ed", Mechanism{Type: CKM_EDDSA}, msg, "Ed25519", msg,
			func(s []byte) bool { return ed25519.Verify(keys["ed"].Public().(ed25519.PublicKey), msg, s) }},
		{"EDDSA ph", "ed", Mechanism{Type: CKM_EDDSA, Param: append(append([]byte{1}, make([]byte, ulongSize-1)...), make([]byte, 2*ulongSize)...)}, msg,
			"Ed25519ph", digest(crypto.SHA512, msg),
			func(s []byte) bool {
				return ed25519.VerifyWithOptions(keys["ed"].Public().(ed25519.PublicKey), digest(crypto.SHA512, msg), s, &ed25519.Options{Hash: crypto.SHA512}) == nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := findKey(t, m, h, CKO_PRIVATE_KEY, tt.label)
			n := len(f.signCalls())
			sig, rv := signAll(t, m, h, tt.mech, key, tt.data)
			if rv != CKR_OK {
				t.Fatalf("Sign = %v", rv)
			}
			if !tt.verify(sig) {
				t.Error("signature does not verify")
			}
			calls := f.signCalls()
			if len(calls) != n+1 {
				t.Fatalf("%d backend calls, want 1", len(calls)-n)
			}
			c := calls[n]
			if c.alg != tt.wantAlg || !bytes.Equal(c.input, tt.wantSent) || c.tool != "test (libsignet-pkcs11)" {
				t.Errorf("backend got %s %x from %q, want %s %x", c.alg, c.input, c.tool, tt.wantAlg, tt.wantSent)
			}
			// The same, in parts, for multi-part mechanisms.
			if mech, _ := lookupMechanism(tt.mech.Type); mech.multipart {
				if rv := m.SignInit(h, tt.mech, key); rv != CKR_OK {
					t.Fatal(rv)
				}
				for _, part := range [][]byte{tt.data[:5], tt.data[5:9], {}, tt.data[9:]} {
					if rv := m.SignUpdate(h, part); rv != CKR_OK {
						t.Fatalf("SignUpdate = %v", rv)
					}
				}
				n, rv := m.SignFinal(h, nil)
				if rv != CKR_OK {
					t.Fatal(rv)
				}
				sig := make([]byte, n)
				if n, rv = m.SignFinal(h, sig); rv != CKR_OK || !tt.verify(sig[:n]) {
					t.Errorf("multi-part signature: %v", rv)
				}
			}
		})
	}
}

func TestSignBadInput(t *testing.T) {
	m, h := open(t, standardFake(t))
	rsaKey := findKey(t, m, h, CKO_PRIVATE_KEY, "rsa")
	ecKey := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	edKey := findKey(t, m, h, CKO_PRIVATE_KEY, "ed")
	sum := sha256.Sum256([]byte("x"))
	sha1Info := append([]byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}, make([]byte, 20)...)
	tests := []struct {
		name string
		key  ObjectHandle
		mech Mechanism
		data []byte
		want RV
	}{
		{"RSA-PKCS bare SHA-256", rsaKey, Mechanism{Type: CKM_RSA_PKCS}, sum[:], CKR_DATA_INVALID},
		{"RSA-PKCS SHA-1 DigestInfo", rsaKey, Mechanism{Type: CKM_RSA_PKCS}, sha1Info, CKR_DATA_INVALID},
		{"RSA-PKCS garbage", rsaKey, Mechanism{Type: CKM_RSA_PKCS}, []byte("hello"), CKR_DATA_INVALID},
		{"PSS digest of the wrong size", rsaKey, Mechanism{Type: CKM_RSA_PKCS_PSS, Param: pssParam(CKM_SHA384, CKG_MGF1_SHA384, 48)}, sum[:], CKR_DATA_LEN_RANGE},
		{"ECDSA SHA-1 sized", ecKey, Mechanism{Type: CKM_ECDSA}, make([]byte, 20), CKR_DATA_LEN_RANGE},
		{"EdDSA empty", edKey, Mechanism{Type: CKM_EDDSA}, nil, CKR_DATA_LEN_RANGE},
		{"EdDSA too long", edKey, Mechanism{Type: CKM_EDDSA}, make([]byte, maxPureMessage+1), CKR_DATA_LEN_RANGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, rv := signAll(t, m, h, tt.mech, tt.key, tt.data); rv != tt.want {
				t.Errorf("Sign = %v, want %v", rv, tt.want)
			}
			if _, rv := m.Sign(h, tt.data, make([]byte, 512)); rv != CKR_OPERATION_NOT_INITIALIZED {
				t.Errorf("operation still active after the error: %v", rv)
			}
		})
	}
}

func TestSignInitErrors(t *testing.T) {
	m, h := open(t, standardFake(t))
	rsaKey := findKey(t, m, h, CKO_PRIVATE_KEY, "rsa")
	tests := []struct {
		name string
		key  ObjectHandle
		mech Mechanism
		want RV
	}{
		{"unknown mechanism", rsaKey, Mechanism{Type: 0x1234}, CKR_MECHANISM_INVALID},
		{"ECDSA with RSA", rsaKey, Mechanism{Type: CKM_ECDSA}, CKR_KEY_TYPE_INCONSISTENT},
		{"RSA with EC", findKey(t, m, h, CKO_PRIVATE_KEY, "p256"), Mechanism{Type: CKM_SHA256_RSA_PKCS}, CKR_KEY_TYPE_INCONSISTENT},
		{"public key", findKey(t, m, h, CKO_PUBLIC_KEY, "rsa"), Mechanism{Type: CKM_RSA_PKCS}, CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"certificate", findKey(t, m, h, CKO_CERTIFICATE, "rsa"), Mechanism{Type: CKM_RSA_PKCS}, CKR_KEY_HANDLE_INVALID},
		{"no such object", 4242, Mechanism{Type: CKM_RSA_PKCS}, CKR_KEY_HANDLE_INVALID},
		{"PSS without parameters", rsaKey, Mechanism{Type: CKM_SHA256_RSA_PKCS_PSS}, CKR_MECHANISM_PARAM_INVALID},
		{"PSS with a max salt", rsaKey, Mechanism{Type: CKM_SHA256_RSA_PKCS_PSS, Param: pssParam(CKM_SHA256, CKG_MGF1_SHA256, 222)}, CKR_MECHANISM_PARAM_INVALID},
		{"PSS with another MGF", rsaKey, Mechanism{Type: CKM_SHA256_RSA_PKCS_PSS, Param: pssParam(CKM_SHA256, CKG_MGF1_SHA512, 32)}, CKR_MECHANISM_PARAM_INVALID},
		{"PSS with another hash", rsaKey, Mechanism{Type: CKM_SHA256_RSA_PKCS_PSS, Param: pssParam(CKM_SHA512, CKG_MGF1_SHA512, 64)}, CKR_MECHANISM_PARAM_INVALID},
		{"PSS with SHA-1", rsaKey, Mechanism{Type: CKM_RSA_PKCS_PSS, Param: pssParam(0x220, 1, 20)}, CKR_MECHANISM_PARAM_INVALID},
		{"parameter where none is taken", rsaKey, Mechanism{Type: CKM_RSA_PKCS, Param: []byte{1}}, CKR_MECHANISM_PARAM_INVALID},
		{"EdDSA with a context", findKey(t, m, h, CKO_PRIVATE_KEY, "ed"), Mechanism{Type: CKM_EDDSA, Param: append(make([]byte, ulongSize), append(ulong(3), make([]byte, ulongSize)...)...)}, CKR_MECHANISM_PARAM_INVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rv := m.SignInit(h, tt.mech, tt.key); rv != tt.want {
				t.Errorf("SignInit = %v, want %v", rv, tt.want)
			}
		})
	}
	if _, rv := m.Sign(h, []byte("x"), nil); rv != CKR_OPERATION_NOT_INITIALIZED {
		t.Errorf("Sign without SignInit: %v", rv)
	}
	m.SignInit(h, Mechanism{Type: CKM_RSA_PKCS}, rsaKey)
	if rv := m.SignInit(h, Mechanism{Type: CKM_RSA_PKCS}, rsaKey); rv != CKR_OPERATION_ACTIVE {
		t.Errorf("second SignInit: %v", rv)
	}
}

func TestSignLengthQueries(t *testing.T) {
	f := standardFake(t)
	m, h := open(t, f)
	sum := sha256.Sum256([]byte("x"))
	for label, want := range map[string]uint{"rsa": 256, "p256": 64, "p384": 96, "p521": 132} {
		key := findKey(t, m, h, CKO_PRIVATE_KEY, label)
		mech, data := Mechanism{Type: CKM_ECDSA}, sum[:]
		if label == "rsa" {
			mech, data = Mechanism{Type: CKM_RSA_PKCS}, digestInfo(crypto.SHA256, []byte("x"))
		}
		if rv := m.SignInit(h, mech, key); rv != CKR_OK {
			t.Fatal(rv)
		}
		calls := len(f.signCalls())
		n, rv := m.Sign(h, data, nil)
		if rv != CKR_OK || n != want {
			t.Errorf("%s: length query %d, %v; want %d", label, n, rv, want)
		}
		n, rv = m.Sign(h, data, make([]byte, want-1))
		if rv != CKR_BUFFER_TOO_SMALL || n != want {
			t.Errorf("%s: small buffer %d, %v", label, n, rv)
		}
		if len(f.signCalls()) != calls {
			t.Errorf("%s: length queries reached the server", label)
		}
		n, rv = m.Sign(h, data, make([]byte, want+10))
		if rv != CKR_OK || n != want {
			t.Errorf("%s: sign %d, %v", label, n, rv)
		}
		if len(f.signCalls()) != calls+1 {
			t.Errorf("%s: %d server calls, want 1", label, len(f.signCalls())-calls)
		}
	}
	// Multi-part: C_SignFinal length query, then C_Sign is refused.
	key := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	m.SignInit(h, Mechanism{Type: CKM_ECDSA_SHA256}, key)
	m.SignUpdate(h, []byte("abc"))
	if n, rv := m.SignFinal(h, make([]byte, 3)); rv != CKR_BUFFER_TOO_SMALL || n != 64 {
		t.Errorf("SignFinal small buffer: %d, %v", n, rv)
	}
	if _, rv := m.Sign(h, []byte("abc"), make([]byte, 64)); rv != CKR_OPERATION_ACTIVE {
		t.Errorf("C_Sign after C_SignUpdate: %v", rv)
	}
	// Single-part mechanisms refuse C_SignUpdate and end the operation.
	m.SignInit(h, Mechanism{Type: CKM_ECDSA}, key)
	if rv := m.SignUpdate(h, sum[:]); rv != CKR_FUNCTION_NOT_SUPPORTED {
		t.Errorf("SignUpdate on CKM_ECDSA: %v", rv)
	}
	if _, rv := m.SignFinal(h, make([]byte, 64)); rv != CKR_OPERATION_NOT_INITIALIZED {
		t.Errorf("operation survived: %v", rv)
	}
}

func TestSignBackendFailures(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	tests := []struct {
		name string
		err  error
		want RV
	}{
		{"quota", &client.APIError{Status: http.StatusForbidden, Code: "quota_exceeded"}, CKR_FUNCTION_REJECTED},
		{"bad api key", &client.APIError{Status: http.StatusUnauthorized, Code: "bad_api_key"}, CKR_FUNCTION_REJECTED},
		{"keypair gone", &client.APIError{Status: http.StatusNotFound}, CKR_KEY_HANDLE_INVALID},
		{"server error", &client.APIError{Status: http.StatusBadGateway}, CKR_DEVICE_ERROR},
		{"bad request", &client.APIError{Status: http.StatusBadRequest}, CKR_FUNCTION_FAILED},
		{"network", errTest("dial tcp: connection refused"), CKR_DEVICE_ERROR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := standardFake(t)
			m, h := open(t, f)
			f.signErr = tt.err
			if _, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "p256"), sum[:]); rv != tt.want {
				t.Errorf("Sign = %v, want %v", rv, tt.want)
			}
		})
	}
}

func TestSignKeyReplaced(t *testing.T) {
	f := standardFake(t)
	m, h := open(t, f)
	key := findKey(t, m, h, CKO_PRIVATE_KEY, "p256")
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f.signers[refP256] = other // the server now signs with another key
	if _, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, key, make([]byte, 32)); rv != CKR_KEY_CHANGED {
		t.Errorf("Sign with a replaced key = %v, want CKR_KEY_CHANGED", rv)
	}
}
