//go:build e2e

package pkcs11

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fixture is one test's keypairs on the shared server, a working
// directory, and the environment the tools run with.
type fixture struct {
	t      testing.TB
	srv    *server
	module string
	dir    string
	env    []string
	keys   map[string]keypair // by short name
}

// keySpec is a keypair to generate: name is its short name in the test,
// body the generate request without the alias.
type keySpec struct {
	name string
	body map[string]any
}

var rsaKey = keySpec{"rsa", map[string]any{"algorithm": "rsa", "key_size": 2048}}
var ecKey = keySpec{"ec", map[string]any{"algorithm": "ecdsa", "curve": "P-256", "storage": "hsm"}}

var aliasSeq atomic.Int64

// newFixture generates the keypairs (aliases made unique on the server)
// and shows only them on the token.
func newFixture(t testing.TB, specs ...keySpec) *fixture {
	t.Helper()
	f := &fixture{t: t, srv: signet(t), module: bins(t).module, dir: t.TempDir(), keys: map[string]keypair{}}
	var aliases []string
	for _, k := range specs {
		body := map[string]any{"alias": fmt.Sprintf("%s-%s-%d", testSlug(t), k.name, aliasSeq.Add(1))}
		for n, v := range k.body {
			body[n] = v
		}
		var kp keypair
		if err := f.srv.api.call("POST", "/api/v1/keypairs", body, &kp); err != nil {
			t.Fatal(err)
		}
		f.keys[k.name] = kp
		f.write(k.name+".pub.pem", []byte(kp.PublicKeyPEM))
		aliases = append(aliases, kp.Alias)
	}
	for _, kv := range os.Environ() { // none of the caller's own settings
		if !strings.HasPrefix(kv, "SIGNET_") && !strings.HasPrefix(kv, "SM_") && !strings.HasPrefix(kv, "PKCS11_") &&
			!strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CACHE_HOME=") && !strings.HasPrefix(kv, "LD_PRELOAD=") {
			f.env = append(f.env, kv)
		}
	}
	f.env = append(f.env, "HOME="+f.dir, "SIGNET_PKCS11_LOG=warn", "SIGNET_PKCS11_KEYS="+strings.Join(aliases, ","))
	for k, v := range f.srv.creds {
		f.env = append(f.env, k+"="+v)
	}
	return f
}

// testSlug is the top-level test's name as an alias prefix.
func testSlug(t testing.TB) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return strings.ToLower(strings.TrimPrefix(name, "Test"))
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) write(name string, data []byte) string {
	f.t.Helper()
	p := f.path(name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// id is the CKA_ID of a keypair in hex: its UUID without dashes.
func (f *fixture) id(name string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(f.keys[name].ID, "-", ""))
	if err != nil || len(b) != 16 {
		f.t.Fatalf("keypair id %q is not a UUID", f.keys[name].ID)
	}
	return hex.EncodeToString(b)
}

// uri is the RFC 7512 URI of a keypair's private key.
func (f *fixture) uri(name string) string {
	return "pkcs11:token=signet;object=" + f.keys[name].Alias + ";type=private"
}

// run runs a tool in the fixture's directory and environment, with extra
// environment variables; wantOK says whether it must succeed. It returns
// stdout and stderr together and fails on a crash either way.
func (f *fixture) run(t testing.TB, wantOK bool, extraEnv []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = append(slices.Clip(f.env), extraEnv...), f.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if (err == nil) != wantOK {
		t.Fatalf("%s %s: err=%v, want success=%v\n%s", name, strings.Join(args, " "), err, wantOK, out.String())
	}
	for _, bad := range []string{"panic:", "fatal error:", "SIGSEGV", "signal arrived during", "not on signal stack"} {
		if strings.Contains(out.String(), bad) {
			t.Fatalf("%s %s crashed:\n%s", name, strings.Join(args, " "), out.String())
		}
	}
	return out.String()
}

// ok runs a tool that must succeed.
func (f *fixture) ok(t testing.TB, name string, args ...string) string {
	t.Helper()
	return f.run(t, true, nil, name, args...)
}

// verified runs a verifier that must succeed and print want.
func (f *fixture) verified(t testing.TB, want, name string, args ...string) {
	t.Helper()
	if out := f.ok(t, name, args...); !strings.Contains(out, want) {
		t.Errorf("%s %s: no %q:\n%s", name, strings.Join(args, " "), want, out)
	}
}

// checkLog checks the signature log of a keypair: exactly n signed rows,
// each naming tool.
func (f *fixture) checkLog(t testing.TB, name string, n int, tool string) []sigRecord {
	t.Helper()
	recs, err := f.srv.api.signatures(f.keys[name].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Errorf("signature log of %s: %d rows, want %d", f.keys[name].Alias, len(recs), n)
	}
	for _, r := range recs {
		if r.Status != "signed" || r.Tool != tool {
			t.Errorf("signature log of %s: row %s status %q tool %q, want signed by %q",
				f.keys[name].Alias, r.ID, r.Status, r.Tool, tool)
		}
	}
	return recs
}

// checkAlgs checks the signature log of a keypair like checkLog, and that
// its rows have the algorithms algs, in any order.
func (f *fixture) checkAlgs(t testing.TB, name string, algs []string, tool string) []sigRecord {
	t.Helper()
	recs := f.checkLog(t, name, len(algs), tool)
	var got []string
	for _, r := range recs {
		got = append(got, r.Algorithm)
	}
	want := slices.Clone(algs)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("signature log of %s: algorithms %v, want %v", f.keys[name].Alias, got, want)
	}
	return recs
}
