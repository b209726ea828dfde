package p11

import (
	"crypto/ecdsa"
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

// TestClientBackendThroughAgent: with SIGNET_AGENT_SOCKET alone, the module
// lists and signs through a signet agent that holds the credentials.
func TestClientBackendThroughAgent(t *testing.T) {
	srv := clienttest.NewServer(t)
	key := testKeys()["p256"]
	srv.AddKey(t, "ec", key, true)
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
	defer hs.Close()

	// The socket from a configuration file, relative to the file.
	m := NewModule(mapEnv(map[string]string{"SIGNET_PKCS11_CONFIG": filepath.Join(filepath.Dir(sock), "signet.conf")},
		map[string]string{filepath.Join(filepath.Dir(sock), "signet.conf"): "SIGNET_AGENT_SOCKET=agent.sock\n"}))
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	sum := sha256.Sum256([]byte("hello"))
	sig, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "ec"), sum[:])
	pub := key.Public().(*ecdsa.PublicKey)
	if rv != CKR_OK || len(sig) != 64 || !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatalf("ECDSA through the agent: %v", rv)
	}
	if signs := srv.Signs(); len(signs) != 1 || signs[0].Tool != "libsignet-pkcs11" {
		t.Errorf("server saw %+v", signs)
	}

	// No agent there: the module reports the tool's call as failed.
	m2 := NewModule(mapEnv(map[string]string{"SIGNET_AGENT_SOCKET": filepath.Join(t.TempDir(), "none.sock")}, nil))
	if rv := m2.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m2.Finalize()
	h2, _ := m2.OpenSession(SlotID, CKF_SERIAL_SESSION)
	rv = m2.FindObjectsInit(h2, nil)
	if rv == CKR_OK {
		_, rv = m2.FindObjects(h2, 10)
	}
	if rv == CKR_OK {
		t.Error("listing without an agent succeeded")
	}
}
