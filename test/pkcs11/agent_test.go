//go:build e2e

package pkcs11

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// credentialVars are what the agent holds and the tools then need not see.
var credentialVars = []string{"SIGNET_HOST=", "SIGNET_API_KEY=", "SIGNET_CLIENT_CERT_FILE=", "SIGNET_CLIENT_CERT_PASSWORD=", "SIGNET_CA_FILE="}

// startAgent runs `signet agent` with the fixture's credentials until the
// test ends, and returns a fixture whose tools reach the server through it
// with no credentials of their own.
func (f *fixture) startAgent(t testing.TB) *fixture {
	t.Helper()
	// A short directory: a socket path takes at most 107 bytes.
	dir, err := os.MkdirTemp("", "sga")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "run", "agent.sock")
	cmd := exec.Command(bins(t).signet, "agent", "--socket", sock)
	cmd.Env = f.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Scan()
		line <- s.Text()
		for s.Scan() {
		}
	}()
	select {
	case l := <-line:
		if want := "export SIGNET_AGENT_SOCKET='" + sock + "'"; l != want {
			cmd.Process.Kill()
			t.Fatalf("signet agent printed %q, want %q\n%s", l, want, stderr)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("signet agent did not start:\n%s", stderr)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("signet agent on SIGTERM: %v\n%s", err, stderr)
		}
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Errorf("the agent left its socket: %v", err)
		}
		if strings.Contains(stderr.String(), f.srv.creds["SIGNET_API_KEY"]) {
			t.Error("the agent logged the API key")
		}
	})
	g := *f
	g.env = slices.DeleteFunc(slices.Clone(f.env), func(kv string) bool {
		return slices.ContainsFunc(credentialVars, func(p string) bool { return strings.HasPrefix(kv, p) })
	})
	g.env = append(g.env, "SIGNET_AGENT_SOCKET="+sock)
	return &g
}

// TestAgent: osslsigncode and pkcs11-tool sign through the module and a
// signet agent, with no credentials in their environment; the signatures
// verify and the log names the tools.
func TestAgent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey, ecKey)
	a := f.startAgent(t)

	// Without the agent's socket and credentials the module has nothing.
	if out := a.run(t, false, []string{"SIGNET_AGENT_SOCKET="}, "pkcs11-tool", "--module", a.module, "-O"); !strings.Contains(out, "SIGNET_HOST") {
		t.Errorf("module without credentials or agent:\n%s", out)
	}

	exe := buildPE(t, a.dir)
	c := f.certFiles(t, "rsa")
	out := a.path("agent-signed.exe")
	a.ok(t, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", a.module,
		"-key", a.uri("rsa"), "-certs", c.signer, "-h", "sha256", "-in", exe, "-out", out)
	a.verified(t, "Succeeded", "osslsigncode", "verify", "-CAfile", c.root, "-in", out)
	// A second process: the list from the agent's kept copy.
	out2 := a.path("agent-signed-2.exe")
	a.ok(t, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", a.module,
		"-key", a.uri("rsa"), "-certs", c.signer, "-h", "sha256", "-in", exe, "-out", out2)
	a.verified(t, "Succeeded", "osslsigncode", "verify", "-CAfile", c.root, "-in", out2)
	f.checkLog(t, "rsa", 2, "osslsigncode (libsignet-pkcs11)")

	data := a.write("data.bin", []byte("signed through the agent"))
	sig := a.path("data.sig")
	a.ok(t, "pkcs11-tool", "--module", a.module, "--sign", "--id", a.id("ec"), "-m", "ECDSA-SHA256",
		"--signature-format", "openssl", "-i", data, "-o", sig)
	a.verified(t, "Verified OK", "openssl", "dgst", "-sha256", "-verify", a.path("ec.pub.pem"), "-signature", sig, data)
	f.checkLog(t, "ec", 1, "pkcs11-tool (libsignet-pkcs11)")
}
