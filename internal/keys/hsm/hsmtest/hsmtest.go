// Package hsmtest creates SoftHSM2 tokens for tests of any package.
//
// # One module per token
//
// SoftHSM2 reads SOFTHSM2_CONF, and the tokens in the directory it names,
// once, at C_Initialize, and a PKCS#11 module can be initialized only once
// per process; tokens created later are invisible to it. So NewToken gives
// every token its own copy of libsofthsm2.so (Token.Module): a copy is a
// separate library instance that is initialized when a backend first opens
// it and therefore sees its token, however many tokens other tests made
// before or after, in parallel or not.
//
// All tokens of the process live in one token directory, under one
// softhsm2.conf (Token.ConfigPath), and SOFTHSM2_CONF points to it while any
// token exists: whichever copy initializes, it reads the same configuration.
// Each token is initialized by softhsm2-util in the test's own t.TempDir()
// and moved into that directory in one rename, so a module initializing
// meanwhile never sees half a token. The test's cleanup deletes the token;
// when the last one is gone the directory is removed and SOFTHSM2_CONF
// restored.
//
// Close the backend before the test ends (t.Cleanup(km.Close) right after
// keys.New does that, as cleanups run last-in first-out).
package hsmtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/keys"
)

// Token is a freshly initialized SoftHSM2 token.
type Token struct {
	Module     string // this token's own copy of libsofthsm2.so
	Label      string // token label, unique in the process
	PIN        string // user PIN
	SOPIN      string // security officer PIN
	ConfigPath string // the softhsm2.conf that lists the token; SOFTHSM2_CONF while it exists
}

// Options returns backend options that open the token.
func (tok Token) Options() keys.Options {
	return keys.Options{Module: tok.Module, TokenLabel: tok.Label, PIN: tok.PIN}
}

// Env returns the environment entries a child process needs to use the token.
func (tok Token) Env() []string { return []string{"SOFTHSM2_CONF=" + tok.ConfigPath} }

// Modules lists where SoftHSM2's PKCS#11 module is looked for.
var Modules = []string{
	"/usr/lib/softhsm/libsofthsm2.so", // Debian, Ubuntu
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so", // Fedora
	"/usr/lib/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

const missing = "run scripts/deps.sh to install SoftHSM2"

// NewToken creates a token for t and deletes it when t ends.
func NewToken(t testing.TB) Token {
	t.Helper()
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		t.Fatalf("hsmtest: softhsm2-util not found in PATH; %s", missing)
	}
	module := ""
	for _, m := range Modules {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	if module == "" {
		t.Fatalf("hsmtest: libsofthsm2.so not found in %v; %s", Modules, missing)
	}
	tok := Token{Label: "signet-" + randomHex(4), PIN: randomHex(8), SOPIN: randomHex(8)}
	tmp := t.TempDir()
	tok.Module = filepath.Join(tmp, "libsofthsm2.so")
	if err := copyFile(module, tok.Module); err != nil {
		t.Fatalf("hsmtest: copying %s: %v", module, err)
	}
	dir, err := acquire()
	if err != nil {
		t.Fatalf("hsmtest: %v", err)
	}
	tok.ConfigPath = filepath.Join(dir, "softhsm2.conf")
	tokenDir, err := initToken(util, tmp, filepath.Join(dir, "tokens"), tok)
	if err != nil {
		release()
		t.Fatalf("hsmtest: %v", err)
	}
	t.Cleanup(func() {
		// Rename first, so that a module initializing meanwhile sees all of
		// the token or none of it.
		trash := filepath.Join(dir, "trash-"+filepath.Base(tokenDir))
		if err := os.Rename(tokenDir, trash); err == nil {
			os.RemoveAll(trash)
		}
		release()
	})
	return tok
}

// initToken initializes tok in a staging directory under tmp and moves it
// into tokens, returning its directory there.
func initToken(util, tmp, tokens string, tok Token) (string, error) {
	stage := filepath.Join(tmp, "stage")
	conf := filepath.Join(tmp, "softhsm2.conf")
	if err := os.Mkdir(stage, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(conf, []byte(config(stage)), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(util, "--init-token", "--free", "--label", tok.Label, "--pin", tok.PIN, "--so-pin", tok.SOPIN)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("softhsm2-util --init-token: %v: %s", err, strings.NewReplacer(tok.PIN, "***", tok.SOPIN, "***").Replace(string(out)))
	}
	made, err := os.ReadDir(stage)
	if err != nil || len(made) != 1 {
		return "", fmt.Errorf("softhsm2-util made %d token directories, want 1 (%v)", len(made), err)
	}
	dst := filepath.Join(tokens, made[0].Name())
	if err := os.Rename(filepath.Join(stage, made[0].Name()), dst); err != nil {
		return "", fmt.Errorf("moving the token into place: %w", err)
	}
	return dst, nil
}

func config(tokenDir string) string {
	return "directories.tokendir = " + tokenDir + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
}

// The process-wide token directory, alive while tokens exist.
var (
	mu               sync.Mutex
	live             int
	shared           string
	oldConf, hadConf = "", false
)

// acquire returns the shared directory, creating it for the first token.
func acquire() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if live == 0 {
		dir, err := os.MkdirTemp("", "signet-softhsm2-")
		if err != nil {
			return "", err
		}
		if err := os.Mkdir(filepath.Join(dir, "tokens"), 0o700); err != nil {
			return "", err
		}
		conf := filepath.Join(dir, "softhsm2.conf")
		if err := os.WriteFile(conf, []byte(config(filepath.Join(dir, "tokens"))), 0o600); err != nil {
			return "", err
		}
		oldConf, hadConf = os.LookupEnv("SOFTHSM2_CONF")
		os.Setenv("SOFTHSM2_CONF", conf)
		shared = dir
	}
	live++
	return shared, nil
}

// release forgets a token; the last one removes the shared directory.
func release() {
	mu.Lock()
	defer mu.Unlock()
	if live--; live > 0 {
		return
	}
	os.RemoveAll(shared)
	if hadConf {
		os.Setenv("SOFTHSM2_CONF", oldConf)
	} else {
		os.Unsetenv("SOFTHSM2_CONF")
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
