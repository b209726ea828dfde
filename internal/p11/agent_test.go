package p11

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"log/slog"
	"math/big"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/signet-project/signet/internal/agent"
	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
)

// startAgent runs a signet agent relaying to srv and returns its socket.
func startAgent(t *testing.T, srv *clienttest.Server) string {
	t.Helper()
	up, err := client.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "a", "agent.sock")
	log := slog.New(slog.DiscardHandler)
	l, err := agent.Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: agent.New(up, log, agent.DefaultTTL).Handler()}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })
	return sock
}

// signEC signs a digest with the keypair "ec" in a fresh module, as a tool
// run does, and returns the signature and the result.
func signEC(t *testing.T, env Env, digest []byte) ([]byte, RV) {
	t.Helper()
	m := NewModule(env)
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	return signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "ec"), digest)
}

// TestClientBackendThroughAgent: with SIGNET_AGENT_SOCKET alone, the module
// lists and signs through a signet agent that holds the credentials.
func TestClientBackendThroughAgent(t *testing.T) {
	srv := clienttest.NewServer(t)
	key := testKeys()["p256"]
	srv.AddKey(t, "ec", key, true)
	sock := startAgent(t, srv)

	// The socket from a configuration file, relative to the file.
	conf := filepath.Join(filepath.Dir(sock), "signet.conf")
	env := mapEnv(map[string]string{"SIGNET_PKCS11_CONFIG": conf}, map[string]string{conf: "SIGNET_AGENT_SOCKET=agent.sock\n"})
	sum := sha256.Sum256([]byte("hello"))
	sig, rv := signEC(t, env, sum[:])
	pub := key.Public().(*ecdsa.PublicKey)
	if rv != CKR_OK || len(sig) != 64 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("ECDSA through the agent: %v", rv)
	}
	if signs := srv.Signs(); len(signs) != 1 || signs[0].Tool != "libsignet-pkcs11" {
		t.Errorf("server saw %+v", signs)
	}

	// The key replaced behind the agent's kept list: the module refuses the
	// signature that does not verify and has the agent drop the list, so
	// the next run signs with the new key.
	next, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv.Rotate(t, "ec", next)
	if _, rv := signEC(t, env, sum[:]); rv != CKR_KEY_CHANGED {
		t.Fatalf("signing with the key replaced: %v, want CKR_KEY_CHANGED", rv)
	}
	sig, rv = signEC(t, env, sum[:])
	if rv != CKR_OK || !ecdsa.Verify(&next.PublicKey, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("the run after: %v (the agent still shows the old key?)", rv)
	}
}

// TestAgentMissing: no agent at the socket, the module reports the tool's
// call as failed.
func TestAgentMissing(t *testing.T) {
	m := NewModule(mapEnv(map[string]string{"SIGNET_AGENT_SOCKET": filepath.Join(t.TempDir(), "none.sock")}, nil))
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	rv := m.FindObjectsInit(h, nil)
	if rv == CKR_OK {
		_, rv = m.FindObjects(h, 10)
	}
	if rv == CKR_OK {
		t.Error("listing without an agent succeeded")
	}
}
