package p11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
)

// Test keys, made once: RSA generation is slow.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]crypto.Signer{"rsa": rk, "p256": p256, "p384": p384, "p521": p521, "ed": ed}
})

// signCall records one Backend.Sign call.
type signCall struct {
	ref, alg, tool string
	input          []byte
}

// fakeBackend is a Backend holding real Go keys; it signs like the server
// (DER for ECDSA) after the same checks.
type fakeBackend struct {
	mu        sync.Mutex
	keys      []Key
	signers   map[string]crypto.Signer // by Ref
	calls     []signCall
	keysCalls int
	signErr   error
	keysErr   error
	panicSign bool
}

func newFake() *fakeBackend { return &fakeBackend{signers: map[string]crypto.Signer{}} }

// add adds a key; with cert it gets a self-signed certificate and a chain
// of one CA.
func (f *fakeBackend) add(t testing.TB, ref, alias string, s crypto.Signer, cert bool) Key {
	t.Helper()
	k := Key{Ref: ref, Alias: alias, Generation: 1, Public: s.Public()}
	if cert {
		ca, caKey := testCA()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(4242), Subject: pkix.Name{CommonName: alias},
			NotBefore: time.Unix(1700000000, 0), NotAfter: time.Unix(1900000000, 0),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, s.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		k.Certificate, _ = x509.ParseCertificate(der)
		k.Chain = []*x509.Certificate{ca}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, k)
	f.signers[ref] = s
	return k
}

var testCA = sync.OnceValues(func() (*x509.Certificate, crypto.Signer) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Unix(1700000000, 0), NotAfter: time.Unix(1900000000, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
})

func (f *fakeBackend) Keys(context.Context) ([]Key, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keysCalls++
	if f.keysErr != nil {
		return nil, f.keysErr
	}
	return append([]Key(nil), f.keys...), nil
}

func (f *fakeBackend) Sign(_ context.Context, key Key, alg string, input []byte, tool string) ([]byte, error) {
	ref := key.Ref
	f.mu.Lock()
	f.calls = append(f.calls, signCall{ref: ref, alg: alg, tool: tool, input: append([]byte(nil), input...)})
	s, err, pan := f.signers[ref], f.signErr, f.panicSign
	f.mu.Unlock()
	if pan {
		panic("backend exploded")
	}
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("no such key")
	}
	a, err := sigalg.Parse(alg)
	if err != nil {
		return nil, err
	}
	if err := a.CheckInput(input); err != nil {
		return nil, err
	}
	return s.Sign(rand.Reader, input, a.SignerOpts())
}

func (f *fakeBackend) signCalls() []signCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]signCall(nil), f.calls...)
}

// Refs of the standard test keys: UUIDs like the server's.
const (
	refRSA  = "0190a1b2-c3d4-7e5f-8a9b-000000000001"
	refP256 = "0190a1b2-c3d4-7e5f-8a9b-000000000002"
	refP384 = "0190a1b2-c3d4-7e5f-8a9b-000000000003"
	refP521 = "0190a1b2-c3d4-7e5f-8a9b-000000000004"
	refEd   = "0190a1b2-c3d4-7e5f-8a9b-000000000005"
)

// standardFake holds one key of each kind; rsa and p256 have certificates.
func standardFake(t testing.TB) *fakeBackend {
	f := newFake()
	k := testKeys()
	f.add(t, refRSA, "rsa", k["rsa"], true)
	f.add(t, refP256, "p256", k["p256"], true)
	f.add(t, refP384, "p384", k["p384"], false)
	f.add(t, refP521, "p521", k["p521"], false)
	f.add(t, refEd, "ed", k["ed"], false)
	return f
}

// open initializes a module on b and opens a session.
func open(t testing.TB, b Backend, opts ...Option) (*Module, SessionHandle) {
	t.Helper()
	m := NewModule(Env{Program: "test"}, append([]Option{WithBackend(b)}, opts...)...)
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatalf("Initialize = %v", rv)
	}
	t.Cleanup(func() { m.Finalize() })
	h, rv := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if rv != CKR_OK {
		t.Fatalf("OpenSession = %v", rv)
	}
	return m, h
}

// find runs a whole search.
func find(t testing.TB, m *Module, h SessionHandle, tmpl ...Attribute) []ObjectHandle {
	t.Helper()
	if rv := m.FindObjectsInit(h, tmpl); rv != CKR_OK {
		t.Fatalf("FindObjectsInit = %v", rv)
	}
	var all []ObjectHandle
	for {
		got, rv := m.FindObjects(h, 2)
		if rv != CKR_OK {
			t.Fatalf("FindObjects = %v", rv)
		}
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	if rv := m.FindObjectsFinal(h); rv != CKR_OK {
		t.Fatalf("FindObjectsFinal = %v", rv)
	}
	return all
}

// findKey returns the single object of class and label.
func findKey(t testing.TB, m *Module, h SessionHandle, class uint, label string) ObjectHandle {
	t.Helper()
	got := find(t, m, h, Attribute{Type: CKA_CLASS, Value: ulong(class)}, Attribute{Type: CKA_LABEL, Value: []byte(label)})
	if len(got) != 1 {
		t.Fatalf("found %d objects of class %d labelled %q", len(got), class, label)
	}
	return got[0]
}

// attr reads one attribute, failing the test if it cannot.
func attr(t testing.TB, m *Module, h SessionHandle, o ObjectHandle, typ AttributeType) []byte {
	t.Helper()
	q := []Attribute{{Type: typ}}
	if rv := m.GetAttributeValue(h, o, q); rv != CKR_OK {
		t.Fatalf("GetAttributeValue(0x%x) length = %v", typ, rv)
	}
	q[0].Value = make([]byte, q[0].Len)
	if rv := m.GetAttributeValue(h, o, q); rv != CKR_OK {
		t.Fatalf("GetAttributeValue(0x%x) = %v", typ, rv)
	}
	return q[0].Value[:q[0].Len]
}

// pssParam encodes CK_RSA_PKCS_PSS_PARAMS.
func pssParam(hash MechanismType, mgf uint, salt uint) []byte {
	return append(append(ulong(uint(hash)), ulong(mgf)...), ulong(salt)...)
}

// signAll signs data in one call, checking the length query first.
func signAll(t testing.TB, m *Module, h SessionHandle, mech Mechanism, key ObjectHandle, data []byte) ([]byte, RV) {
	t.Helper()
	if rv := m.SignInit(h, mech, key); rv != CKR_OK {
		return nil, rv
	}
	n, rv := m.Sign(h, data, nil)
	if rv != CKR_OK {
		t.Fatalf("Sign length query = %v", rv)
	}
	sig := make([]byte, n)
	n, rv = m.Sign(h, data, sig)
	return sig[:n], rv
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
