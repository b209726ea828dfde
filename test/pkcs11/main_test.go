//go:build e2e

// Package pkcs11 proves that existing signing tools sign through
// libsignet-pkcs11.so against a real signetd, each checked with the tool's
// own verifier (issue 5):
//
//	go test -tags e2e ./test/pkcs11/ -v
//
// One `signetd dev` serves the whole package; each test makes its own
// keypairs and shows only those on the token (SIGNET_PKCS11_KEYS), then
// checks the signature log: one row per signature, with the tool's name.
// signetd and the module are built inside the first test (or taken from
// $SIGNET_BIN_DIR, as scripts/test.sh does after make build). The tools
// come from scripts/deps.sh. docs/signing-tools.md is the user's side of
// the same commands.
package pkcs11

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopServer()
	os.Exit(code)
}

// binaries are the programs under test.
type binaries struct {
	signetd string
	signet  string // the CLI, for signet agent
	module  string // libsignet-pkcs11.so
}

var (
	buildOnce sync.Once
	built     binaries
	buildErr  error
)

// bins returns the binaries under test, building them on first use. They
// are built inside a test rather than in TestMain so that go test records
// the sources it stats (see trackSources) and reruns the package when
// they change.
func bins(t testing.TB) binaries {
	t.Helper()
	buildOnce.Do(func() { built, buildErr = build() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func build() (binaries, error) {
	if dir := os.Getenv("SIGNET_BIN_DIR"); dir != "" {
		b := binaries{signetd: filepath.Join(dir, "signetd"), signet: filepath.Join(dir, "signet"), module: filepath.Join(dir, "libsignet-pkcs11.so")}
		for _, p := range []*string{&b.signetd, &b.signet, &b.module} {
			if _, err := os.Stat(*p); err != nil {
				return b, fmt.Errorf("SIGNET_BIN_DIR is set but: %w", err)
			}
			abs, err := filepath.Abs(*p)
			if err != nil {
				return b, err
			}
			*p = abs
		}
		return b, nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return binaries{}, fmt.Errorf("finding the module root: %w", err)
	}
	root := strings.TrimSpace(string(out))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "signet-pkcs11-e2e", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return binaries{}, err
	}
	b := binaries{signetd: filepath.Join(dir, "signetd"), signet: filepath.Join(dir, "signet"), module: filepath.Join(dir, "libsignet-pkcs11.so")}
	if err := goBuild(root, b.signetd, "./cmd/signetd"); err != nil {
		return b, err
	}
	if err := goBuild(root, b.signet, "./cmd/signet"); err != nil {
		return b, err
	}
	if err := goBuild(root, b.module, "./cmd/libsignet-pkcs11", "-buildmode=c-shared"); err != nil {
		return b, err
	}
	return b, trackSources(root, "./cmd/signetd", "./cmd/signet", "./cmd/libsignet-pkcs11")
}

// goBuild builds pkg into out through a temporary file renamed into
// place, so that concurrent runs never see half a file.
func goBuild(root, out, pkg string, flags ...string) error {
	ext := filepath.Ext(out)
	tmp, err := os.CreateTemp(filepath.Dir(out), strings.TrimSuffix(filepath.Base(out), ext)+"-*"+ext)
	if err != nil {
		return err
	}
	tmp.Close()
	args := append(append([]string{"build"}, flags...), "-o", tmp.Name(), pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	if ext == ".so" {
		os.Remove(strings.TrimSuffix(tmp.Name(), ext) + ".h") // the C header of a c-shared build
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// trackSources stats every file of the main module's packages that pkgs
// are built from, and go.mod and go.sum, so that go test's cache reuses a
// result only while they are unchanged.
func trackSources(root string, pkgs ...string) error {
	args := append([]string{"list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -deps: %w", err)
	}
	for _, d := range append(strings.Fields(string(out)), root) {
		entries, err := os.ReadDir(d)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() && (d != root || e.Name() == "go.mod" || e.Name() == "go.sum") {
				if _, err := os.Stat(filepath.Join(d, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
