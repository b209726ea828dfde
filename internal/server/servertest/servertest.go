// Package servertest starts a real signetd server in-process for tests: real
// HTTPS with mutual TLS on loopback, a real store (SQLite in a temporary
// directory, or PostgreSQL), real disk keys, and helpers to make users with
// API tokens and client certificates.
package servertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/keys"
	_ "github.com/signet-project/signet/internal/keys/disk" // the disk backend
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlite"
)

// Env is a running test server.
type Env struct {
	URL    string // https://127.0.0.1:port
	CA     *pki.CA
	Roots  *x509.CertPool // trust for the server certificate
	Store  server.Store
	Server *server.Server
	Lead   *User // a user with the lead role
}

// User is a user with credentials.
type User struct {
	*auth.User
	Token  string
	Cert   tls.Certificate // client certificate and key
	Client *http.Client    // presents Cert
}

type options struct {
	store      func(t testing.TB) server.Store
	masterKey  []byte
	backends   map[string]keys.KeyManager
	now        func() time.Time
	ca         *pki.CA
	logTo      io.Writer
	defStorage string
	approvals  int
	tsaURLs    []string
}

// Option configures Start.
type Option func(*options)

// WithStore uses the store open returns instead of a fresh SQLite file.
func WithStore(open func(t testing.TB) server.Store) Option {
	return func(o *options) { o.store = open }
}

// WithMasterKey sets the disk master key (several servers sharing one
// database must share it).
func WithMasterKey(k []byte) Option { return func(o *options) { o.masterKey = k } }

// WithBackend adds a key backend under name (e.g. "hsm").
func WithBackend(name string, km keys.KeyManager) Option {
	return func(o *options) { o.backends[name] = km }
}

// WithCA uses ca for server and client certificates (several servers
// sharing one database must share it).
func WithCA(ca *pki.CA) Option { return func(o *options) { o.ca = ca } }

// WithClock injects the server's clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithReleaseApprovals sets the account setting: how many approvals an
// offline release needs.
func WithReleaseApprovals(n int) Option { return func(o *options) { o.approvals = n } }

// WithTimestampURLs sends the signing API's time-stamp requests to these
// external TSAs instead of the server's own.
func WithTimestampURLs(urls ...string) Option { return func(o *options) { o.tsaURLs = urls } }

// WithLog sends the server's log to w (default: discarded).
func WithLog(w io.Writer) Option { return func(o *options) { o.logTo = w } }

// NewCA makes a test CA.
func NewCA(t testing.TB) *pki.CA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewRoot(pkix.Name{CommonName: "servertest CA"}, key, 365*24*time.Hour, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// NewMasterKey returns a random 32-byte master key.
func NewMasterKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{backends: map[string]keys.KeyManager{}, now: time.Now, logTo: io.Discard, defStorage: "disk"}
	for _, fn := range opts {
		fn(&o)
	}
	if o.store == nil {
		o.store = func(t testing.TB) server.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}
	if o.masterKey == nil {
		o.masterKey = NewMasterKey()
	}
	if o.ca == nil {
		o.ca = NewCA(t)
	}
	disk, err := keys.New(context.Background(), "disk", keys.Options{MasterKeys: map[string][]byte{"k1": o.masterKey}, CurrentKEK: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	o.backends["disk"] = disk
	st := o.store(t)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvCert, err := o.ca.Issue(pki.ServerTemplate([]string{"127.0.0.1", "localhost"}, 30*24*time.Hour), srvKey.Public(), o.now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(o.ca.Root())
	srv := server.New(server.Options{
		Store: st, Backends: o.backends, DefaultStorage: o.defStorage,
		Certificate: tls.Certificate{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey, Leaf: srvCert},
		ClientCAs:   pool, Log: slog.New(slog.NewTextHandler(o.logTo, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: o.now,
		ClientCA: o.ca, Keyring: keyring(t, o.masterKey),
		PKI: server.PKIOptions{TimestampURLs: o.tsaURLs},
	})
	if o.approvals > 0 {
		u := auth.SettingsUpdate{ReleaseApprovals: &o.approvals}
		if _, err := st.UpdateSettings(context.Background(), u, time.Time{}, event("Settings", "account")); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	env := &Env{URL: "https://" + ln.Addr().String(), CA: o.ca, Roots: pool, Store: st, Server: srv}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	env.Lead = env.NewUser(t, "lead-"+randomHex(4), "lead")
	return env
}

func keyring(t testing.TB, masterKey []byte) *auth.Keyring {
	k, err := auth.NewKeyring(map[string][]byte{"k1": masterKey}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// NewUser creates a user with the roles, an API token and a client certificate.
func (e *Env) NewUser(t testing.TB, name string, roles ...string) *User {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	if roles == nil {
		roles = []string{}
	}
	u := &auth.User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Type: auth.UserStandard,
		Roles: roles, Groups: []string{}, CreatedAt: now}
	if err := e.Store.CreateUser(ctx, u, event("User", u.ID)); err != nil {
		t.Fatal(err)
	}
	secret, prefix, hash := auth.NewTokenSecret()
	tok := &auth.Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: "test", Prefix: prefix, Hash: hash, CreatedAt: now}
	if err := e.Store.CreateToken(ctx, tok, event("Token", tok.ID)); err != nil {
		t.Fatal(err)
	}
	cert := e.IssueClientCert(t, u)
	return &User{User: u, Token: secret, Cert: cert, Client: e.HTTPClient(&cert)}
}

// IssueClientCert issues and records a client certificate for u.
func (e *Env) IssueClientCert(t testing.TB, u *auth.User) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c, err := e.CA.Issue(pki.ClientTemplate(u.ID, u.Name, 30*24*time.Hour), key.Public(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cc := &auth.ClientCert{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Serial: hex.EncodeToString(c.SerialNumber.Bytes()),
		Fingerprint: pki.Fingerprint(c), NotAfter: c.NotAfter.UTC().Truncate(time.Microsecond), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := e.Store.CreateClientCert(context.Background(), cc, event("ClientCertificate", cc.ID)); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

// HTTPClient returns a client trusting the server, presenting cert if not nil.
func (e *Env) HTTPClient(cert *tls.Certificate) *http.Client {
	tc := &tls.Config{RootCAs: e.Roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}}
}

func event(typ, id string) *audit.Event {
	return &audit.Event{ID: uuid.Must(uuid.NewV7()).String(), Time: time.Now().UTC().Truncate(time.Microsecond),
		ActorID: "servertest", ActorName: "servertest", Type: typ, Action: "Create", ResourceID: id, Result: audit.Allowed}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Stores returns an option per store implementation, so that a test can run
// against each: "sqlite" (a fresh file) and "postgres" (a fresh database
// from pgtest; the test binary's TestMain must call pgtest.Main).
func Stores() map[string]Option {
	return map[string]Option{
		"sqlite": func(*options) {},
		"postgres": WithStore(func(t testing.TB) server.Store {
			st, err := postgres.Open(context.Background(), pgtest.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}),
	}
}

// OpenStores opens a fresh store of each kind, closed when the test ends,
// for tests below the server: "sqlite" (a file in the test's directory)
// and "postgres" (a database of its own from pgtest; the test binary's
// TestMain must call pgtest.Main).
func OpenStores() map[string]func(t testing.TB) server.Store {
	closed := func(t testing.TB, st server.Store, err error) server.Store {
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return map[string]func(t testing.TB) server.Store{
		"sqlite": func(t testing.TB) server.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
			return closed(t, st, err)
		},
		"postgres": func(t testing.TB) server.Store {
			st, err := postgres.Open(context.Background(), pgtest.DSN(t))
			return closed(t, st, err)
		},
	}
}

// EachStore runs fn as a subtest per store.
func EachStore(t *testing.T, fn func(t *testing.T, store Option)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { fn(t, Stores()[name]) })
	}
}
