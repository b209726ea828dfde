package api_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// endpoint is how the table reaches one endpoint: the kind of its cells
// and the request that probes it.
type endpoint struct {
	scope scope
	probe probeFunc
}

type scope int

const (
	noScope      scope = iota // one cell
	kpScope                   // open, allowed, not-allowed, other-team
	teamScope                 // blue, red
	profileScope              // account (no team), blue, red
)

func (s scope) accesses() []string {
	switch s {
	case kpScope:
		return []string{"open", "allowed", "not-allowed", "other-team"}
	case teamScope:
		return []string{"blue", "red"}
	case profileScope:
		return []string{"account", "blue", "red"}
	}
	return []string{"-"}
}

// teamOf is the team an access column is about.
func teamOf(acc string) string {
	if acc == "other-team" || acc == "red" {
		return "red"
	}
	return "blue"
}

type factor struct {
	name string
	rule func(cell bool, tokenOnlyRefusal string) want
}

type want struct {
	status int    // 200 means any 2xx
	code   string // "*" means any denial code
}

// probe is what a probe needs to build its request. fresh is false when
// the request is refused before it is looked at (a bad credential): then
// no resource is made for it.
type probe struct {
	acc   string
	user  *servertest.User
	fresh bool
}

type probeFunc func(t *testing.T, f *fixture, p probe) (method, path string, body any)

// fixture is the account the table runs against. Its maps are written
// before the table runs and only read while it runs.
type fixture struct {
	env     *servertest.Env
	callers map[string]map[string]*servertest.User // role -> factor -> caller
	kp      map[string]string                      // access -> shared keypair alias
	pub     map[string]crypto.PublicKey            // access -> its public key
	cert    map[string]string                      // access -> id of a certificate of it
	rel     map[string]string                      // team -> shared release id
	prof    map[string]string                      // account, blue, red -> shared profile name (both kinds)
	ext     *pki.CA                                // an external CA, for certificates to import
	keyPEM  string
	n       atomic.Int64
}

func newFixture(t *testing.T, store servertest.Option) *fixture {
	env := servertest.Start(t, store)
	f := &fixture{env: env, callers: map[string]map[string]*servertest.User{}, kp: map[string]string{}, rel: map[string]string{},
		pub: map[string]crypto.PublicKey{}, cert: map[string]string{}, prof: map[string]string{}, ext: externalCA(t)}
	lead := env.Lead
	env.MustDo(t, lead, "PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
	for _, team := range []string{"blue", "red"} {
		env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": team}, 201)
	}
	var ids []string
	for _, role := range roleOrder {
		u := env.NewUser(t, "r-"+role, role)
		ids = append(ids, u.ID)
		env.MustDo(t, lead, "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": u.ID}, 200)
		f.callers[role] = f.factorsOf(t, u)
	}
	// The Lead that makes the shared resources is among the allowed users
	// of both restricted keypairs, so that it can issue their certificates.
	for acc, allowed := range map[string][]string{"open": nil, "allowed": append(ids, lead.ID), "not-allowed": {lead.ID}, "other-team": nil} {
		access := map[bool]string{true: "open", false: "restricted"}[allowed == nil]
		kp := f.newKeypair(t, acc, teamOf(acc), access, allowed, false)
		f.kp[acc], f.pub[acc] = kp.Alias, publicKey(t, kp)
		f.cert[acc] = f.certificate(t, acc, true)
	}
	for _, acc := range profileScope.accesses() {
		f.prof[acc] = f.profiles(t, acc)
	}
	for _, team := range []string{"blue", "red"} {
		f.rel[team] = f.release(t, team, false)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, err := pki.EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	f.keyPEM = string(pemKey)
	return f
}

// factorsOf makes the five ways u can present credentials.
func (f *fixture) factorsOf(t *testing.T, u *servertest.User) map[string]*servertest.User {
	ctx, env := context.Background(), f.env
	revoked := env.IssueClientCert(t, u.User)
	certs, err := env.Store.ListClientCerts(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range certs {
		if string(c.Fingerprint) == string(pki.Fingerprint(revoked.Leaf)) {
			if err := env.Store.RevokeClientCert(ctx, c.ID, time.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	secret, prefix, hash := auth.NewTokenSecret()
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	if err := env.Store.CreateToken(ctx, &auth.Token{UserID: u.ID, Name: "expired", Prefix: prefix, Hash: hash, ExpiresAt: &past}, nil); err != nil {
		t.Fatal(err)
	}
	with := func(token string, client *servertest.User) *servertest.User {
		return &servertest.User{User: u.User, Token: token, Cert: client.Cert, Client: client.Client}
	}
	return map[string]*servertest.User{
		"token + client certificate":         u,
		"token only":                         {User: u.User, Token: u.Token, Client: env.HTTPClient(nil)},
		"client certificate of another user": with(u.Token, env.Lead),
		"revoked client certificate":         {User: u.User, Token: u.Token, Cert: revoked, Client: env.HTTPClient(&revoked)},
		"expired token":                      with(secret, u),
	}
}

func (f *fixture) name(prefix string) string { return fmt.Sprintf("%s-%d", prefix, f.n.Add(1)) }

// keypair has the Lead generate a keypair; it returns its alias.
func (f *fixture) keypair(t *testing.T, prefix, team, access string, allowed []string, dynamic bool) string {
	return f.newKeypair(t, prefix, team, access, allowed, dynamic).Alias
}

func (f *fixture) newKeypair(t *testing.T, prefix, team, access string, allowed []string, dynamic bool) keypairOut {
	body := map[string]any{"alias": f.name(prefix), "algorithm": "ecdsa", "team": team, "access": access}
	if allowed != nil {
		body["allowed_users"] = allowed
	}
	if dynamic {
		body["type"] = "dynamic"
	}
	return generate(t, f.env, f.env.Lead, body)
}

// freshKeypair is a new keypair shaped like the shared one of acc.
func (f *fixture) freshKeypair(t *testing.T, p probe, dynamic bool) string {
	if !p.fresh {
		return f.kp[p.acc]
	}
	switch p.acc {
	case "allowed":
		return f.keypair(t, "fresh", "blue", "restricted", []string{p.user.ID}, dynamic)
	case "not-allowed":
		return f.keypair(t, "fresh", "blue", "restricted", []string{f.env.Lead.ID}, dynamic)
	}
	return f.keypair(t, "fresh", teamOf(p.acc), "open", nil, dynamic)
}

// release has the Lead make a release in team (offline: pending approval).
func (f *fixture) release(t *testing.T, team string, offline bool) string {
	body := map[string]any{"alias": f.name("rel"), "algorithm": "ecdsa", "team": team}
	typ := "online"
	if offline {
		body["status"], typ = "offline", "offline"
	}
	kp := generate(t, f.env, f.env.Lead, body)
	start, end := window(time.Now())
	return createRelease(t, f.env, f.env.Lead, map[string]any{"name": kp.Alias, "type": typ, "team": team,
		"keypairs": []string{kp.Alias}, "start": start, "end": end, "max_signatures": 5}, 201).ID
}

// victim is a new user to act upon.
func (f *fixture) victim(t *testing.T, p probe, groups ...string) *auth.User {
	if !p.fresh {
		return &auth.User{ID: "nobody", Name: "nobody"}
	}
	u := &auth.User{Name: f.name("victim"), Type: auth.UserStandard, Roles: []string{}, Groups: append([]string{}, groups...)}
	if err := f.env.Store.CreateUser(context.Background(), u, nil); err != nil {
		t.Fatal(err)
	}
	return u
}

var permName = regexp.MustCompile(`[a-z_]+\.[a-z_]+|^sign`)

// check sends the probe as role with the factor and compares with w. It
// returns the cell, for its audit records to be checked.
func (f *fixture) check(t *testing.T, name string, r row, pf probeFunc, acc, role, factorName string, w want) cell {
	t.Helper()
	u := f.callers[role][factorName]
	fresh := factorName == "token + client certificate" || factorName == "token only"
	method, path, body := pf(t, f, probe{acc: acc, user: f.callers[role]["token + client certificate"], fresh: fresh})
	c := cell{name: name, start: time.Now().Truncate(time.Microsecond)}
	res := f.env.Do(t, u, method, path, body)
	var e struct{ Code, Message string }
	if res.Status >= 400 {
		res.JSON(t, &e)
	}
	if res.Status == 401 || res.Status == 403 {
		c.refused, c.message = true, e.Message
	}
	switch {
	case w.status == 200 && (res.Status < 200 || res.Status > 299):
		t.Errorf("%s: want allowed, got %s", name, res)
	case w.status == 200:
	case res.Status != w.status:
		t.Errorf("%s: want %d %s, got %s", name, w.status, w.code, res)
	case w.code != "*" && e.Code != w.code:
		t.Errorf("%s: want code %s, got %s", name, w.code, res)
	case e.Message == "":
		t.Errorf("%s: denial without a message: %s", name, res)
	case e.Code == "permission_denied" && !strings.Contains(e.Message, permName.FindString(r.needs)):
		t.Errorf("%s: denial does not name the permission %s: %s", name, r.needs, e.Message)
	case e.Code == "client_certificate_required" && !strings.Contains(e.Message, "client certificate"):
		t.Errorf("%s: denial does not name the missing factor: %s", name, e.Message)
	}
	return c
}

func digest32() []byte {
	d := sha256.Sum256([]byte("authz table"))
	return d[:]
}
