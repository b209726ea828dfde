package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/sigalg"
)

// signetd runs the command line in-process and returns its output.
func signetd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := rootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// devConfig sets up a dev data directory without starting a server.
func devConfig(t *testing.T) (string, config.Config) {
	t.Helper()
	dir := t.TempDir()
	c, err := devSetup(dir, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "config.yaml"), c
}

func TestUnsafeFilesRefused(t *testing.T) {
	cfg, c := devConfig(t)
	key := c.Keys.Disk.MasterKeys[0].File
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := signetd(t, "serve", "-c", cfg)
	if err == nil || !strings.Contains(err.Error(), "readable by others") || !strings.Contains(err.Error(), "chmod 600 "+key) {
		t.Fatalf("serve with a world-readable master key: %v", err)
	}
	os.Chmod(key, 0o600)
	os.Chmod(c.TLS.KeyFile, 0o640)
	if _, err := signetd(t, "serve", "-c", cfg); err == nil || !strings.Contains(err.Error(), "TLS key") {
		t.Fatalf("serve with a group-readable TLS key: %v", err)
	}
}

func TestConfigErrorsNameTheProblem(t *testing.T) {
	cfg, _ := devConfig(t)
	data, _ := os.ReadFile(cfg)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, bytes.Replace(data, []byte("current: dev"), []byte("current: nope"), 1), 0o600)
	if _, err := signetd(t, "serve", "-c", bad); err == nil || !strings.Contains(err.Error(), `keys.disk.current: "nope"`) {
		t.Fatalf("serve with an unknown current master key: %v", err)
	}
	if _, err := signetd(t, "serve"); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Fatalf("serve without a configuration: %v", err)
	}
}

// TestMasterKeyRotation: a disk key made under the dev master key works
// under a new master key alone after `signetd master-key rotate`.
func TestMasterKeyRotation(t *testing.T) {
	cfg, c := devConfig(t)
	c.Keys.HSM = nil
	ctx := context.Background()
	mk, err := masterKeys(c.Keys.Disk)
	if err != nil {
		t.Fatal(err)
	}
	km, err := keys.New(ctx, "disk", keys.Options{MasterKeys: mk, CurrentKEK: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	kp := &keypair.Keypair{ID: "0190c0de-0000-7000-8000-000000000001", Alias: "k", Type: "static",
		Algorithm: keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}, Category: "production", Storage: "disk",
		Status: "online", Access: "open", State: "active", Generation: 1, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	h, pub, err := km.Create(ctx, keys.Spec{ID: kp.ID, Label: kp.Alias, Algorithm: kp.Algorithm})
	if err != nil {
		t.Fatal(err)
	}
	kp.Handle = h
	kp.PublicKey, _ = x509.MarshalPKIXPublicKey(pub)
	if err := st.CreateKeypair(ctx, kp, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A second master key becomes current; rotate; then drop the first.
	newKey := filepath.Join(filepath.Dir(cfg), "k2.key")
	if out, err := signetd(t, "master-key", "new", "--out", newKey); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	data, _ := os.ReadFile(cfg)
	data = bytes.Replace(data, []byte("current: dev"), []byte("current: k2"), 1)
	data = bytes.Replace(data, []byte("- id: dev\n"), []byte("- {id: k2, file: "+newKey+"}\n            - id: dev\n"), 1)
	if err := pki.WriteFileAtomic(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := signetd(t, "master-key", "rotate", "-c", cfg)
	if err != nil || !strings.Contains(out, "re-wrapped 1 keys under k2") {
		t.Fatalf("rotate: %v: %s", err, out)
	}
	raw, _ := os.ReadFile(newKey)
	k2, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	only, err := keys.New(ctx, "disk", keys.Options{MasterKeys: map[string][]byte{"k2": k2}, CurrentKEK: "k2"})
	if err != nil {
		t.Fatal(err)
	}
	st, err = openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.GetKeypair(ctx, kp.ID)
	if err != nil || got.Handle.KEK != "k2" {
		t.Fatalf("after rotation: kek %q, %v", got.Handle.KEK, err)
	}
	sg, err := only.Signer(ctx, got.Handle)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	sig, err := sg.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil || !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d[:], sig) {
		t.Fatalf("signing under the new master key alone: %v", err)
	}
}

// TestDevTLSFollowsTheListenHost: a restart of signetd dev on another
// listen host gets a server certificate naming it, from the same CA (so
// client certificates stay valid); a restart on the same host keeps the
// certificate; a server key that does not match is replaced.
func TestDevTLSFollowsTheListenHost(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	leaf := func() *x509.Certificate {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
		if err != nil {
			t.Fatal(err)
		}
		return pair.Leaf
	}
	if err := devTLS(dir, "127.0.0.1:9443"); err != nil {
		t.Fatal(err)
	}
	ca, first := read("ca.crt"), read("server.crt")
	if err := devTLS(dir, "127.0.0.1:9444"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read("server.crt"), first) {
		t.Error("a restart on the same host issued a new server certificate")
	}
	if err := devTLS(dir, "127.0.0.2:9443"); err != nil {
		t.Fatal(err)
	}
	if err := leaf().VerifyHostname("127.0.0.2"); err != nil {
		t.Errorf("after a restart on 127.0.0.2: %v", err)
	}
	if !bytes.Equal(read("ca.crt"), ca) {
		t.Error("the dev CA changed")
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	if _, err := leaf().Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost"}); err != nil {
		t.Errorf("new server certificate not issued by the dev CA: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(other)
	os.WriteFile(filepath.Join(dir, "server.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	if err := devTLS(dir, "127.0.0.2:9443"); err != nil {
		t.Fatal(err)
	}
	leaf() // loads: key and certificate match again
}
