package api_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"hash"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

type keypairOut struct {
	ID           string `json:"id"`
	Alias        string `json:"alias"`
	State        string `json:"state"`
	PublicKeyPEM string `json:"public_key_pem"`
}

type signOut struct {
	Signature   []byte `json:"signature"`
	SignatureID string `json:"signature_id"`
	SigAlg      string `json:"sig_alg"`
	Generation  int    `json:"generation"`
}

func generate(t *testing.T, env *servertest.Env, u *servertest.User, body map[string]any) keypairOut {
	t.Helper()
	var kp keypairOut
	env.MustDo(t, u, "POST", "/api/v1/keypairs", body, 201).JSON(t, &kp)
	return kp
}

func publicKey(t *testing.T, kp keypairOut) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode([]byte(kp.PublicKeyPEM))
	if b == nil {
		t.Fatalf("no PEM public key in %+v", kp)
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func digest(h func() hash.Hash, msg string) []byte {
	d := h()
	d.Write([]byte(msg))
	return d.Sum(nil)
}

// TestSignEveryAlgorithm signs with every key type and sig_alg over the real
// API and verifies each signature with Go's standard library.
func TestSignEveryAlgorithm(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		testSignEveryAlgorithm(t, env)
	})
}

func testSignEveryAlgorithm(t *testing.T, env *servertest.Env) {
	u := env.Lead
	keysByName := map[string]map[string]any{
		"rsa2048": {"algorithm": "rsa", "key_size": 2048},
		"p256":    {"algorithm": "ecdsa", "curve": "P-256"},
		"p384":    {"algorithm": "ecdsa", "curve": "P-384"},
		"p521":    {"algorithm": "ecdsa", "curve": "P-521"},
		"ed":      {"algorithm": "eddsa"},
	}
	pubs := map[string]crypto.PublicKey{}
	for alias, body := range keysByName {
		body["alias"] = alias
		pubs[alias] = publicKey(t, generate(t, env, u, body))
	}
	hashes := map[string]struct {
		fn func() hash.Hash
		h  crypto.Hash
	}{"SHA256": {sha256.New, crypto.SHA256}, "SHA384": {sha512.New384, crypto.SHA384}, "SHA512": {sha512.New, crypto.SHA512}}
	msg := "artifact bytes"
	for hn, hh := range hashes {
		d := digest(hh.fn, msg)
		for _, tc := range []struct{ alias, alg string }{
			{"rsa2048", hn + "withRSA"}, {"rsa2048", hn + "withRSA/PSS"},
			{"p256", hn + "withECDSA"}, {"p384", hn + "withECDSA"}, {"p521", hn + "withECDSA"},
		} {
			t.Run(tc.alias+"/"+tc.alg, func(t *testing.T) {
				var out signOut
				env.MustDo(t, u, "POST", "/api/v1/keypairs/"+tc.alias+"/sign", map[string]any{"sig_alg": tc.alg, "hash": d}, 200).JSON(t, &out)
				var err error
				switch pub := pubs[tc.alias].(type) {
				case *rsa.PublicKey:
					if len(tc.alg) > 4 && tc.alg[len(tc.alg)-4:] == "/PSS" {
						err = rsa.VerifyPSS(pub, hh.h, d, out.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
					} else {
						err = rsa.VerifyPKCS1v15(pub, hh.h, d, out.Signature)
					}
				case *ecdsa.PublicKey:
					if !ecdsa.VerifyASN1(pub, d, out.Signature) {
						err = fmt.Errorf("ECDSA signature does not verify")
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	t.Run("Ed25519ph", func(t *testing.T) {
		d := digest(sha512.New, msg)
		var out signOut
		env.MustDo(t, u, "POST", "/api/v1/keypairs/ed/sign", map[string]any{"sig_alg": "ed25519PH", "hash": d}, 200).JSON(t, &out)
		if err := ed25519.VerifyWithOptions(pubs["ed"].(ed25519.PublicKey), d, out.Signature, &ed25519.Options{Hash: crypto.SHA512}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Ed25519 pure", func(t *testing.T) {
		var out signOut
		env.MustDo(t, u, "POST", "/api/v1/keypairs/ed/sign", map[string]any{"sig_alg": "Ed25519", "hash": []byte(msg)}, 200).JSON(t, &out)
		if !ed25519.Verify(pubs["ed"].(ed25519.PublicKey), []byte(msg), out.Signature) {
			t.Fatal("Ed25519 signature does not verify")
		}
	})
	t.Run("batch", func(t *testing.T) {
		var items []map[string]any
		for i := range 20 {
			items = append(items, map[string]any{"hash": digest(sha256.New, fmt.Sprint(i)), "file_name": fmt.Sprintf("f%d", i)})
		}
		var out struct{ Signatures []signOut }
		env.MustDo(t, u, "POST", "/api/v1/keypairs/p256/sign-batch", map[string]any{"sig_alg": "SHA256withECDSA", "items": items}, 200).JSON(t, &out)
		if len(out.Signatures) != 20 {
			t.Fatalf("%d signatures, want 20", len(out.Signatures))
		}
		for i, s := range out.Signatures {
			if !ecdsa.VerifyASN1(pubs["p256"].(*ecdsa.PublicKey), digest(sha256.New, fmt.Sprint(i)), s.Signature) {
				t.Fatalf("batch signature %d does not verify", i)
			}
		}
	})
}
