package client_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
)

// TestSessionCache: a second client (process) with the same credentials
// resumes the first one's TLS session from the cache directory, and the
// server still sees its verified client certificate, so it may sign; the
// file is sealed and private; other credentials do not resume it.
func TestSessionCache(t *testing.T) {
	srv := clienttest.NewServer(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kp := srv.AddKey(t, "ec", ec, false)
	dir := t.TempDir()
	sum := sha256.Sum256([]byte("x"))
	sign := func(t *testing.T, cfg client.Config) error {
		t.Helper()
		c, err := client.New(cfg, client.WithSessionCache(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		_, err = c.Sign(context.Background(), kp.ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:]})
		return err
	}
	last := func() clienttest.Request { r := srv.Requests(); return r[len(r)-1] }

	if err := sign(t, srv.Config()); err != nil {
		t.Fatal(err)
	}
	if r := last(); r.Resumed || !r.ClientCert {
		t.Fatalf("first connection: %+v, want a full handshake with the client certificate", r)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tls"))
	if len(files) != 1 {
		t.Fatalf("session files %v, want one", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode %v, %v", fi.Mode(), err)
	}
	for range 2 {
		if err := sign(t, srv.Config()); err != nil {
			t.Fatal(err)
		}
		if r := last(); !r.Resumed || !r.ClientCert {
			t.Errorf("next connection: %+v, want resumed with the client certificate", r)
		}
	}

	t.Run("preconnect", func(t *testing.T) {
		c, err := client.New(srv.Config(), client.WithSessionCache(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		c.Preconnect()
		c.Preconnect() // one early connection at a time
		before := len(srv.Requests())
		for range 2 {
			if _, err := c.Sign(context.Background(), kp.ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:]}); err != nil {
				t.Fatal(err)
			}
		}
		reqs := srv.Requests()[before:]
		if len(reqs) != 2 || reqs[0].RemoteAddr != reqs[1].RemoteAddr || !reqs[0].Resumed || !reqs[0].ClientCert || reqs[0].Proto != 2 {
			t.Errorf("after Preconnect: %+v, want two requests on one resumed HTTP/2 connection with the client certificate", reqs)
		}
	})
	t.Run("HTTP/1.1", func(t *testing.T) {
		c, err := client.New(srv.Config(), client.WithSessionCache(dir), client.WithHTTP1())
		if err != nil {
			t.Fatal(err)
		}
		c.Preconnect()
		before := len(srv.Requests())
		for range 2 {
			if _, err := c.Sign(context.Background(), kp.ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:]}); err != nil {
				t.Fatal(err)
			}
		}
		reqs := srv.Requests()[before:]
		if len(reqs) != 2 || reqs[0].RemoteAddr != reqs[1].RemoteAddr || !reqs[0].Resumed || !reqs[0].ClientCert || reqs[0].Proto != 1 {
			t.Errorf("with WithHTTP1: %+v, want two requests on one resumed HTTP/1.1 connection with the client certificate", reqs)
		}
		// A session file is written in the background; closing waits
		// for it, and the next process resumes.
		c.CloseIdleConnections()
		if err := sign(t, srv.Config()); err != nil {
			t.Fatal(err)
		}
		if r := last(); !r.Resumed {
			t.Errorf("after a client closed: %+v, want resumed", r)
		}
	})
	t.Run("kept after resuming", func(t *testing.T) {
		// A process that resumed the file's session leaves the file as
		// it is (the server takes its ticket again) while it is younger
		// than an hour; an older one is replaced by the new session.
		read := func() []byte {
			t.Helper()
			data, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		before := read()
		for range 2 {
			if err := sign(t, srv.Config()); err != nil {
				t.Fatal(err)
			}
			if r := last(); !r.Resumed {
				t.Errorf("resuming: %+v, want resumed", r)
			}
			if !bytes.Equal(read(), before) {
				t.Fatal("a process that resumed a fresh session rewrote the session file")
			}
		}
		restore := client.SetSessionClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
		defer restore()
		if err := sign(t, srv.Config()); err != nil {
			t.Fatal(err)
		}
		if r := last(); !r.Resumed {
			t.Errorf("resuming an hour-old session: %+v, want resumed", r)
		}
		if bytes.Equal(read(), before) {
			t.Error("a session file older than an hour was not replaced")
		}
		restore()
		if err := sign(t, srv.Config()); err != nil {
			t.Fatal(err)
		}
		if r := last(); !r.Resumed {
			t.Errorf("resuming the replaced session: %+v, want resumed", r)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := srv.Config()
		cfg.ClientCertPassword = "nope"
		if _, err := client.New(cfg, client.WithSessionCache(dir)); !errors.Is(err, client.ErrClientCertPassword) {
			t.Errorf("a client with a wrong password and a cached session: %v, want %v", err, client.ErrClientCertPassword)
		}
	})
	t.Run("directory others may write", func(t *testing.T) {
		shared := t.TempDir()
		if err := os.Chmod(shared, 0o777); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			c, err := client.New(srv.Config(), client.WithSessionCache(shared))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Sign(context.Background(), kp.ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:]}); err != nil {
				t.Fatal(err)
			}
			c.CloseIdleConnections()
			if r := last(); r.Resumed {
				t.Errorf("resumed a session kept in a directory others may write: %+v", r)
			}
		}
		if files, _ := filepath.Glob(filepath.Join(shared, "*")); len(files) != 0 {
			t.Errorf("files written to a directory others may write: %v", files)
		}
	})
	t.Run("garbage file", func(t *testing.T) {
		data, _ := os.ReadFile(files[0])
		if err := os.WriteFile(files[0], bytes.Repeat([]byte{7}, len(data)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := sign(t, srv.Config()); err != nil {
			t.Fatal(err)
		}
		if r := last(); r.Resumed || !r.ClientCert {
			t.Errorf("after a corrupt session file: %+v, want a full handshake", r)
		}
	})
}
