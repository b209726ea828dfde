package agent

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
)

// start runs an agent relaying to srv (the fake API over mutual TLS) on a
// socket in a fresh directory and returns the socket's path.
func start(t *testing.T, up Upstream) (string, *Server) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "run", "agent.sock")
	log := slog.New(slog.DiscardHandler)
	l, err := Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	a := New(up, log, time.Minute)
	hs := &http.Server{Handler: a.Handler()}
	go hs.Serve(l)
	t.Cleanup(func() { hs.Close() })
	return sock, a
}

func upstream(t *testing.T, srv *clienttest.Server) *client.Client {
	t.Helper()
	c, err := client.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func count(srv *clienttest.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestRelaySignsWithTheAgentsCredentials(t *testing.T) {
	srv := clienttest.NewServer(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv.AddKey(t, "ec", key, true)
	sock, _ := start(t, upstream(t, srv))

	// The caller has no credentials at all.
	c, err := client.NewAgent(sock, "test-tool")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	kps, err := c.ListKeypairs(ctx, client.KeypairFilter{State: "active"})
	if err != nil || len(kps) != 1 || kps[0].Alias != "ec" {
		t.Fatalf("list through the agent: %v %+v", err, kps)
	}
	sum := sha256.Sum256([]byte("artifact"))
	resp, err := c.Sign(ctx, kps[0].ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:], Tool: "osslsigncode (libsignet-pkcs11)"})
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&key.PublicKey, sum[:], resp.Signature) {
		t.Fatal("signature does not verify")
	}
	signs := srv.Signs()
	if len(signs) != 1 || signs[0].Tool != "osslsigncode (libsignet-pkcs11)" {
		t.Errorf("server saw %+v", signs)
	}
	for _, r := range srv.Requests() {
		if !r.ClientCert {
			t.Errorf("%s %s reached the server without the agent's client certificate", r.Method, r.Path)
		}
	}

	// The list is kept: a second listing does not reach the server.
	if _, err := c.ListKeypairs(ctx, client.KeypairFilter{State: "active"}); err != nil {
		t.Fatal(err)
	}
	if n := count(srv, "GET", "/api/v1/keypairs"); n != 1 {
		t.Errorf("server listed %d times, want 1 (the kept list)", n)
	}
	// A refusal drops it: the suspended keypair shows at the next listing.
	srv.SetState("ec", "suspended")
	if _, err := c.Sign(ctx, kps[0].ID, client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:]}); err == nil {
		t.Fatal("signed with a suspended keypair")
	}
	kps, err = c.ListKeypairs(ctx, client.KeypairFilter{State: "active"})
	if err != nil || len(kps) != 0 {
		t.Errorf("after the refusal: %v %+v, want an empty list", err, kps)
	}
	if n := count(srv, "GET", "/api/v1/keypairs"); n != 2 {
		t.Errorf("server listed %d times, want 2", n)
	}
}

// A list with a keypair whose key changes at every signature is never
// kept (it would be stale after the first signature), nor is an answer
// that is not a list.
func TestCacheable(t *testing.T) {
	for body, want := range map[string]bool{
		`{"keypairs":[{"alias":"a"}]}`:                                           true,
		`{"keypairs":[{"alias":"a"},{"alias":"b","rotate_per_signature":true}]}`: false,
		`not json`: false,
	} {
		if got := cacheable([]byte(body)); got != want {
			t.Errorf("cacheable(%s) = %v", body, got)
		}
	}
}

func TestRefusals(t *testing.T) {
	srv := clienttest.NewServer(t)
	sock, _ := start(t, upstream(t, srv))
	c, _ := client.NewAgent(sock, "")
	ctx := context.Background()

	var ae *client.APIError
	if _, err := c.Me(ctx); !errors.As(err, &ae) || ae.Status != 403 || ae.Code != "agent_forbidden" {
		t.Errorf("GET /api/v1/me: %v", err)
	}
	if err := c.Call(ctx, "DELETE", "/api/v1/keypairs/x", nil, nil, nil); !errors.As(err, &ae) || ae.Status != 403 {
		t.Errorf("DELETE a keypair: %v", err)
	}
	if err := c.Call(ctx, "POST", "/api/v1/keypairs", nil, map[string]string{"alias": "x"}, nil); !errors.As(err, &ae) || ae.Status != 403 {
		t.Errorf("generate a keypair: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d refused requests reached the server", n)
	}

	// An oversized body is refused before it is relayed.
	ans, err := c.Relay(ctx, "POST", "/api/v1/keypairs/x/sign", "application/json", bytes.Repeat([]byte("a"), maxBody+1), "")
	if err != nil || ans.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(ans.Body), "body_too_large") {
		t.Errorf("oversized body: %v %d %s", err, ans.Status, ans.Body)
	}

	// A server that cannot be reached is a 502 naming the cause.
	srv.Close()
	_, err = c.ListKeypairs(ctx, client.KeypairFilter{})
	if !errors.As(err, &ae) || ae.Status != http.StatusBadGateway || ae.Code != "agent_upstream" {
		t.Errorf("server down: %v", err)
	}
}

func TestListenChecks(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()

	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(filepath.Join(open, "agent.sock"), log); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("directory open to others: %v", err)
	}

	sock := filepath.Join(dir, "private", "agent.sock")
	l, err := Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(sock)
	di, _ := os.Stat(filepath.Dir(sock))
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("socket %v, directory %v", fi.Mode(), di.Mode())
	}
	if _, err := Listen(sock, log); err == nil || !strings.Contains(err.Error(), "already listens") {
		t.Errorf("second agent on the same path: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("closing left the socket: %v", err)
	}

	// An agent that died (no lock held) left its socket: the next one
	// replaces it.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	l, err = Listen(sock, log)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}

	// Its socket deleted and another made in its place (by hand, or by an
	// agent after it): closing leaves the other one.
	os.Remove(sock)
	other, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := l.Close(); err == nil || !strings.Contains(err.Error(), "no longer this agent's socket") {
		t.Errorf("closing with another socket in place: %v", err)
	}
	if _, err := os.Lstat(sock); err != nil {
		t.Errorf("closing removed another socket: %v", err)
	}
	other.Close()

	// What is not a socket is never removed.
	for name, make := range map[string]func(string) error{
		"file":      func(p string) error { return os.WriteFile(p, []byte("a key"), 0o600) },
		"directory": func(p string) error { return os.Mkdir(p, 0o700) },
	} {
		p := filepath.Join(dir, "private", name)
		if err := make(p); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(p, log); err == nil || !strings.Contains(err.Error(), "not a socket") {
			t.Errorf("%s at the socket path: %v", name, err)
		}
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("the %s at the socket path is gone: %v", name, err)
		}
	}
}

// TestOtherUsersRefused: a connection whose peer is not the agent's user is
// closed before any request is read.
func TestOtherUsersRefused(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s", "agent.sock")
	l, err := Listen(sock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pl := l.(*peerListener)
	pl.uid = os.Getuid() + 1 // as if the agent ran as another user
	served := make(chan struct{}, 1)
	hs := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served <- struct{}{} })}
	go hs.Serve(l)
	defer hs.Close()

	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /api/v1/keypairs HTTP/1.1\r\nHost: a\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// Closed with the request unread: an end of file or a reset.
	if n, err := c.Read(make([]byte, 64)); n != 0 || err == nil || os.IsTimeout(err) {
		t.Errorf("read %d bytes, %v; want the connection closed", n, err)
	}
	select {
	case <-served:
		t.Error("a request of another user was served")
	default:
	}
}

// With --ttl 0 every listing reaches the server.
func TestNoKeptList(t *testing.T) {
	srv := clienttest.NewServer(t)
	sock := filepath.Join(t.TempDir(), "run", "agent.sock")
	log := slog.New(slog.DiscardHandler)
	l, err := Listen(sock, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: New(upstream(t, srv), log, 0).Handler()}
	go hs.Serve(l)
	defer hs.Close()
	c, _ := client.NewAgent(sock, "")
	for range 2 {
		if _, err := c.ListKeypairs(context.Background(), client.KeypairFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(srv, "GET", "/api/v1/keypairs"); n != 2 {
		t.Errorf("server listed %d times, want 2", n)
	}
}

// TestRelayRebuildsRequests: the agent sends upstream only the paths and
// queries it rebuilt; anything else is refused before the server.
func TestRelayRebuildsRequests(t *testing.T) {
	up := &recorder{}
	sock, _ := start(t, up)
	c, _ := client.NewAgent(sock, "")
	ctx := context.Background()
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/v1/keypairs/..%2F..%2Fusers/sign"},
		{"POST", "/api/v1/keypairs/a%5Cb/sign"},
		{"POST", "/api/v1/keypairs/%2E%2E/sign"},
		{"GET", "/api/v1/keypairs?admin=1"},
		{"GET", "/api/v1/keypairs?state=active&state=suspended"},
	} {
		ans, err := c.Relay(ctx, tc.method, tc.path, "application/json", []byte("{}"), "")
		if err != nil || ans.Status != http.StatusBadRequest {
			t.Errorf("%s %s: %v %d %s, want 400", tc.method, tc.path, err, ans.Status, ans.Body)
		}
	}
	if len(up.paths) != 0 {
		t.Fatalf("refused requests reached the server: %v", up.paths)
	}
	c.Relay(ctx, "POST", "/api/v1/keypairs/release%20key/sign?x=1", "application/json", []byte("{}"), "")
	c.Relay(ctx, "GET", "/api/v1/keypairs?state=active&limit=5", "", nil, "")
	want := []string{"POST /api/v1/keypairs/release%20key/sign", "GET /api/v1/keypairs?limit=5&state=active"}
	if !slices.Equal(up.paths, want) {
		t.Errorf("the server saw %q, want %q", up.paths, want)
	}
}

// TestForgetWinsOverListingInFlight: a list fetched while the kept lists
// were dropped (a refusal, or the module asking) is not kept.
func TestForgetWinsOverListingInFlight(t *testing.T) {
	up := &recorder{hold: make(chan struct{}), held: make(chan struct{})}
	sock, _ := start(t, up)
	c, _ := client.NewAgent(sock, "")
	ctx := context.Background()
	done := make(chan error)
	go func() {
		_, err := c.ListKeypairs(ctx, client.KeypairFilter{})
		done <- err
	}()
	<-up.held // the listing is at the server
	if err := c.ForgetAgentList(ctx); err != nil {
		t.Fatal(err)
	}
	close(up.hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListKeypairs(ctx, client.KeypairFilter{}); err != nil {
		t.Fatal(err)
	}
	if len(up.paths) != 2 {
		t.Errorf("the server saw %q: the list from before the forget was kept", up.paths)
	}
}

// recorder is an Upstream that records what reaches it and answers an
// empty list (or a signature); hold, when set, delays the first answer
// until closed, after signalling held.
type recorder struct {
	mu         sync.Mutex
	paths      []string
	hold, held chan struct{}
}

func (r *recorder) Relay(_ context.Context, method, pathQuery, _ string, _ []byte, _ string) (client.Answer, error) {
	r.mu.Lock()
	r.paths = append(r.paths, method+" "+pathQuery)
	first := len(r.paths) == 1
	r.mu.Unlock()
	if first && r.hold != nil {
		close(r.held)
		<-r.hold
	}
	if method == "GET" {
		return client.Answer{Status: 200, ContentType: "application/json", Body: []byte(`{"keypairs":[]}`)}, nil
	}
	return client.Answer{Status: 200, ContentType: "application/json", Body: []byte(`{"signature":"AA=="}`)}, nil
}

// TestKeptListsBounded: listings with ever new queries do not grow the
// agent without end.
func TestKeptListsBounded(t *testing.T) {
	up := &recorder{}
	sock, a := start(t, up)
	c, _ := client.NewAgent(sock, "")
	for i := range maxLists + 10 {
		if _, err := c.Relay(context.Background(), "GET", fmt.Sprintf("/api/v1/keypairs?alias=k%d", i), "", nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	a.mu.Lock()
	n := len(a.lists)
	a.mu.Unlock()
	if n > maxLists {
		t.Errorf("%d listings kept, want at most %d", n, maxLists)
	}
}
