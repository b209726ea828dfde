package p11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
)

// TestClientBackend drives the module over real HTTPS with mutual TLS to the
// fake API server, configured from the environment as in production.
func TestClientBackend(t *testing.T) {
	srv := clienttest.NewServer(t)
	keys := testKeys()
	srv.AddKey(t, "rsa", keys["rsa"], true)
	srv.AddKey(t, "ec", keys["p384"], false)
	srv.AddKey(t, "gone", keys["p256"], false)
	srv.SetState("gone", "suspended")
	vars := srv.Env()
	m := NewModule(mapEnv(vars, nil))
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	// rsa: 3 objects + 2 chain certificates; ec: 2; the suspended key none.
	if got := find(t, m, h); len(got) != 7 {
		t.Errorf("%d objects, want 7", len(got))
	}
	msg := []byte("hello")
	sig, rv := signAll(t, m, h, Mechanism{Type: CKM_SHA256_RSA_PKCS}, findKey(t, m, h, CKO_PRIVATE_KEY, "rsa"), msg)
	sum := sha256.Sum256(msg)
	if rv != CKR_OK || rsa.VerifyPKCS1v15(keys["rsa"].Public().(*rsa.PublicKey), crypto.SHA256, sum[:], sig) != nil {
		t.Fatalf("RSA over HTTPS: %v", rv)
	}
	sig, rv = signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "ec"), sum[:])
	if rv != CKR_OK || len(sig) != 96 ||
		!ecdsa.Verify(keys["p384"].Public().(*ecdsa.PublicKey), sum[:], new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])) {
		t.Fatalf("ECDSA over HTTPS: %v", rv)
	}
	signs := srv.Signs()
	if len(signs) != 2 || signs[0].Tool != "libsignet-pkcs11" || len(signs[0].Hash) != 32 {
		t.Errorf("server saw %+v", signs)
	}

	// Without the client certificate the server refuses to sign.
	delete(vars, "SIGNET_CLIENT_CERT_FILE")
	delete(vars, "SIGNET_CLIENT_CERT_PASSWORD")
	m2 := NewModule(mapEnv(vars, nil))
	m2.Initialize(nil)
	defer m2.Finalize()
	h2, _ := m2.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if _, rv := signAll(t, m2, h2, Mechanism{Type: CKM_ECDSA}, findKey(t, m2, h2, CKO_PRIVATE_KEY, "ec"), sum[:]); rv != CKR_FUNCTION_REJECTED {
		t.Errorf("sign without the second factor: %v", rv)
	}
}

func TestClientBackendPINMode(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.AddKey(t, "ec", testKeys()["p256"], false)
	vars := srv.Env()
	delete(vars, "SIGNET_API_KEY")
	m := NewModule(mapEnv(vars, nil))
	m.Initialize(nil)
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if rv := m.Login(h, CKU_USER, []byte("not-the-key")); rv != CKR_PIN_INCORRECT {
		t.Errorf("login with a wrong API key: %v", rv)
	}
	before := len(srv.Requests())
	if rv := m.Login(h, CKU_USER, []byte(srv.APIKey)); rv != CKR_OK {
		t.Fatalf("login with the API key: %v", rv)
	}
	findKey(t, m, h, CKO_PRIVATE_KEY, "ec")
	// Login checks the key by listing the keypairs, and the search after it
	// uses that list: one request.
	if reqs := srv.Requests()[before:]; len(reqs) != 1 || reqs[0].Path != "/api/v1/keypairs" {
		t.Errorf("login and search made %+v, want one listing", reqs)
	}
}

// TestDynamicKeyRotation: when the server replaces a key, a signature made
// with the new key is refused (CKR_KEY_CHANGED) rather than handed out
// under the old public key; the old handle is then invalid (a tool holding
// it also holds the old certificate) and the next search shows the new key
// under a new handle.
func TestDynamicKeyRotation(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.AddKey(t, "dyn", testKeys()["p256"], false)
	m := NewModule(mapEnv(srv.Env(), nil), WithCacheTTL(time.Hour))
	m.Initialize(nil)
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	key := findKey(t, m, h, CKO_PRIVATE_KEY, "dyn")
	sum := sha256.Sum256([]byte("x"))

	next, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv.Rotate(t, "dyn", next)
	if _, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, key, sum[:]); rv != CKR_KEY_CHANGED {
		t.Fatalf("sign across a rotation = %v, want CKR_KEY_CHANGED", rv)
	}
	old := key
	if key = findKey(t, m, h, CKO_PRIVATE_KEY, "dyn"); key == old {
		t.Errorf("the new key has the old key's handle %d", key)
	}
	if rv := m.SignInit(h, Mechanism{Type: CKM_ECDSA}, old); rv != CKR_KEY_HANDLE_INVALID {
		t.Fatalf("sign with the replaced key's handle = %v, want CKR_KEY_HANDLE_INVALID", rv)
	}
	point := attr(t, m, h, findKey(t, m, h, CKO_PUBLIC_KEY, "dyn"), CKA_EC_POINT)
	e, _ := next.PublicKey.ECDH()
	if !bytes.HasSuffix(point, e.Bytes()) {
		t.Error("the new public key is not shown after the refresh")
	}
	sig, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, key, sum[:])
	if rv != CKR_OK || !ecdsa.Verify(&next.PublicKey, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("sign with the new key: %v", rv)
	}
}

// TestRotationSeenByAnotherSession: a tool read a dynamic key's certificate
// and kept the key's handle; another session's search refreshes the token
// after the server replaced the key. Signing with the kept handle must not
// succeed with the new key (its signature would be paired with the old
// certificate): the handle is invalid.
func TestRotationSeenByAnotherSession(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.AddKey(t, "dyn", testKeys()["p256"], false)
	now := time.Now()
	m := NewModule(mapEnv(srv.Env(), nil), WithCacheTTL(5*time.Second), WithClock(func() time.Time { return now }))
	m.Initialize(nil)
	defer m.Finalize()
	tool, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	other, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	key := findKey(t, m, tool, CKO_PRIVATE_KEY, "dyn")
	point := attr(t, m, tool, findKey(t, m, tool, CKO_PUBLIC_KEY, "dyn"), CKA_EC_POINT)

	next, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv.Rotate(t, "dyn", next)
	now = now.Add(6 * time.Second)
	if fresh := findKey(t, m, other, CKO_PRIVATE_KEY, "dyn"); fresh == key {
		t.Fatalf("the new key kept the old handle %d", key)
	}
	if rv := m.SignInit(tool, Mechanism{Type: CKM_ECDSA}, key); rv != CKR_KEY_HANDLE_INVALID {
		t.Fatalf("SignInit with the handle of the key whose point the tool read (%x...) = %v, want CKR_KEY_HANDLE_INVALID", point[:8], rv)
	}
}

// TestLazyClientBackend: the client is made in the background; a failure
// to make it fails every call as a configuration error, and closing the
// backend before the client is made neither blocks nor connects.
func TestLazyClientBackend(t *testing.T) {
	release := make(chan struct{})
	b := newLazyClientBackend(func() (*client.Client, error) {
		<-release
		return nil, errors.New("no client")
	}, slog.New(slog.DiscardHandler))
	b.preconnect()
	b.CloseIdleConnections() // returns at once
	close(release)
	if _, err := b.Keys(context.Background()); backendRV(err) != CKR_FUNCTION_FAILED {
		t.Errorf("Keys: %v (%v), want a configuration error", err, backendRV(err))
	}
	if _, err := b.Sign(context.Background(), Key{Ref: "k"}, "SHA256withECDSA", make([]byte, 32), "t"); backendRV(err) != CKR_FUNCTION_FAILED {
		t.Errorf("Sign: %v, want a configuration error", err)
	}
}

// TestKeyOfCertificateBehind: a keypair listed with a certificate for
// another public key (a dynamic keypair whose new certificate is not
// issued yet) keeps its key but not the certificate, so that no tool pairs
// a signature with a certificate it does not verify under.
func TestKeyOfCertificateBehind(t *testing.T) {
	keys := testKeys()
	old, cur := keys["p256"], keys["p384"]
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dyn"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	pemOf := func(pub crypto.PublicKey) string {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, old)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	pubPEM := func(pub crypto.PublicKey) string {
		der, _ := x509.MarshalPKIXPublicKey(pub)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	kp := client.Keypair{Alias: "dyn", Generation: 2, PublicKeyPEM: pubPEM(cur.Public()), CertificatePEM: pemOf(old.Public())}
	k, err := keyOf(kp)
	if !errors.Is(err, errCertBehind) || k.Certificate != nil || k.Public == nil {
		t.Fatalf("certificate of another key: err %v, certificate %v, key %v", err, k.Certificate != nil, k.Public != nil)
	}
	kp.CertificatePEM = pemOf(cur.Public())
	if k, err = keyOf(kp); err != nil || k.Certificate == nil {
		t.Fatalf("certificate of the key: err %v, certificate %v", err, k.Certificate != nil)
	}
}
