package p11

import (
	"crypto"
	"testing"
)

func TestVerify(t *testing.T) {
	m, h := open(t, standardFake(t))
	msg := []byte("verify me")
	tests := []struct {
		label string
		mech  Mechanism
		data  []byte
	}{
		{"rsa", Mechanism{Type: CKM_SHA256_RSA_PKCS}, msg},
		{"rsa", Mechanism{Type: CKM_RSA_PKCS}, digestInfo(crypto.SHA384, msg)},
		{"rsa", Mechanism{Type: CKM_SHA512_RSA_PKCS_PSS, Param: pssParam(CKM_SHA512, CKG_MGF1_SHA512, 64)}, msg},
		{"p521", Mechanism{Type: CKM_ECDSA}, digest(crypto.SHA512, msg)},
		{"p256", Mechanism{Type: CKM_ECDSA_SHA384}, msg},
		{"ed", Mechanism{Type: CKM_EDDSA}, msg},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			sig, rv := signAll(t, m, h, tt.mech, findKey(t, m, h, CKO_PRIVATE_KEY, tt.label), tt.data)
			if rv != CKR_OK {
				t.Fatal(rv)
			}
			pub := findKey(t, m, h, CKO_PUBLIC_KEY, tt.label)
			if rv := m.VerifyInit(h, tt.mech, pub); rv != CKR_OK {
				t.Fatal(rv)
			}
			if rv := m.Verify(h, tt.data, sig); rv != CKR_OK {
				t.Errorf("Verify = %v", rv)
			}
			sig[len(sig)-1] ^= 1
			m.VerifyInit(h, tt.mech, pub)
			if rv := m.Verify(h, tt.data, sig); rv != CKR_SIGNATURE_INVALID {
				t.Errorf("Verify of a bad signature = %v", rv)
			}
			m.VerifyInit(h, tt.mech, pub)
			if rv := m.Verify(h, tt.data, sig[1:]); rv != CKR_SIGNATURE_LEN_RANGE {
				t.Errorf("Verify of a short signature = %v", rv)
			}
			sig[len(sig)-1] ^= 1
			if mech, _ := lookupMechanism(tt.mech.Type); mech.multipart {
				m.VerifyInit(h, tt.mech, pub)
				m.VerifyUpdate(h, tt.data[:3])
				m.VerifyUpdate(h, tt.data[3:])
				if rv := m.VerifyFinal(h, sig); rv != CKR_OK {
					t.Errorf("VerifyFinal = %v", rv)
				}
			}
		})
	}
	if rv := m.VerifyInit(h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "p256")); rv != CKR_KEY_FUNCTION_NOT_PERMITTED {
		t.Errorf("VerifyInit with a private key = %v", rv)
	}
	if rv := m.Verify(h, nil, nil); rv != CKR_OPERATION_NOT_INITIALIZED {
		t.Errorf("Verify without init = %v", rv)
	}
}
