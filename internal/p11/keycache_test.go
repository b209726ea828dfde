package p11

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/client/clienttest"
)

// osCacheFiles are the real file functions, as cmd/libsignet-pkcs11 uses.
var osCacheFiles = CacheFiles{
	ReadFile:  os.ReadFile,
	WriteFile: func(p string, d []byte) error { return os.WriteFile(p, d, 0o600) },
	Remove:    os.Remove,
}

// clock is a settable time for the cache TTL.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestKeyCache: processes (modules) with the same credentials share the
// keypair list for the TTL; other credentials, a forged file, an old one
// and SIGNET_PKCS11_CACHE=off do not use it; a replaced key drops it.
func TestKeyCache(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.AddKey(t, "ec", testKeys()["p256"], false)
	dir := t.TempDir()
	clk := &clock{t: time.Now()}
	lists := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == "GET" && r.Path == "/api/v1/keypairs" {
				n++
			}
		}
		return n
	}
	// run is one process: initialize, find the key, sign, finalize.
	run := func(t *testing.T, vars map[string]string, want RV) {
		t.Helper()
		env := mapEnv(vars, nil)
		env.CacheDir, env.CacheFiles = dir, osCacheFiles
		m := NewModule(env, WithClock(clk.now))
		if rv := m.Initialize(nil); rv != CKR_OK {
			t.Fatal(rv)
		}
		defer m.Finalize()
		h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
		sum := sha256.Sum256([]byte("x"))
		if _, rv := signAll(t, m, h, Mechanism{Type: CKM_ECDSA}, findKey(t, m, h, CKO_PRIVATE_KEY, "ec"), sum[:]); rv != want {
			t.Fatalf("sign: %v, want %v", rv, want)
		}
	}
	vars := srv.Env()

	run(t, vars, CKR_OK)
	if n := lists(); n != 1 {
		t.Fatalf("%d listings, want 1", n)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode: %v %v", fi.Mode(), err)
	}
	clk.add(time.Second)
	run(t, vars, CKR_OK)
	if n := lists(); n != 1 {
		t.Errorf("a second process inside the TTL listed again (%d listings)", n)
	}

	t.Run("expired", func(t *testing.T) {
		clk.add(5 * time.Second)
		before := lists()
		run(t, vars, CKR_OK)
		if lists() != before+1 {
			t.Error("an expired cache was used")
		}
	})
	t.Run("off", func(t *testing.T) {
		before := lists()
		off := map[string]string{"SIGNET_PKCS11_CACHE": "off"}
		for k, v := range vars {
			off[k] = v
		}
		run(t, off, CKR_OK)
		if lists() != before+1 {
			t.Error("SIGNET_PKCS11_CACHE=off used the cache")
		}
	})
	t.Run("forged", func(t *testing.T) {
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)-3] ^= 1 // inside the JSON, after the MAC
		if err := os.WriteFile(files[0], data, 0o600); err != nil {
			t.Fatal(err)
		}
		before := lists()
		run(t, vars, CKR_OK)
		if lists() != before+1 {
			t.Error("a file with a bad MAC was used")
		}
	})
	t.Run("other credentials", func(t *testing.T) {
		c := newKeyCache(dir, vars["SIGNET_HOST"], "another-api-key", time.Minute, clk.now, osCacheFiles)
		if c.load() != nil || filepath.Join(dir, filepath.Base(files[0])) == c.path {
			t.Error("another API key reads the same cache")
		}
	})
	t.Run("key replaced", func(t *testing.T) {
		run(t, vars, CKR_OK) // the cache is fresh
		next, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		srv.Rotate(t, "ec", next)
		run(t, vars, CKR_KEY_CHANGED)
		if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
			t.Errorf("the cache survived a replaced key: %v", err)
		}
	})
}

// TestCachedSessionBadCertificate: with TLS sessions cached, the client
// certificate is decoded at the first full handshake; a wrong password
// still fails as a configuration error, not a device error.
func TestCachedSessionBadCertificate(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.AddKey(t, "ec", testKeys()["p256"], false)
	vars := srv.Env()
	vars["SIGNET_CLIENT_CERT_PASSWORD"] = "wrong"
	env := mapEnv(vars, nil)
	env.CacheDir, env.CacheFiles = t.TempDir(), osCacheFiles
	m := NewModule(env)
	if rv := m.Initialize(nil); rv != CKR_OK {
		t.Fatal(rv)
	}
	defer m.Finalize()
	h, _ := m.OpenSession(SlotID, CKF_SERIAL_SESSION)
	if rv := m.FindObjectsInit(h, nil); rv != CKR_FUNCTION_FAILED {
		t.Errorf("search with a wrong client certificate password: %v, want CKR_FUNCTION_FAILED", rv)
	}
}
