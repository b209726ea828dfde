//go:build e2e

// Package e2e runs the real signetd binary against real SQLite and
// PostgreSQL, with curl and openssl as the clients of the walk-through:
//
//	go test -tags e2e ./test/e2e/ -v
//
// The first test builds signetd (or uses $SIGNET_BIN_DIR/signetd when set,
// as scripts/test.sh does after make build); PostgreSQL comes from pgtest.
package e2e

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

	"github.com/signet-project/signet/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// signetd returns the path of the binary under test, building it on first
// use. It is built inside the tests rather than before them so that go
// test records what binary consults (see trackSources).
func signetd(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() { built, buildErr = binary() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// binary returns $SIGNET_BIN_DIR/signetd, or builds it. The build goes to a
// directory in the user cache named after the module root, replaced
// atomically, so that repeated runs reuse one file rather than leaving one
// per run behind (pgtest.Main exits, so nothing can clean up after the
// tests).
func binary() (string, error) {
	if dir := os.Getenv("SIGNET_BIN_DIR"); dir != "" {
		p, err := filepath.Abs(filepath.Join(dir, "signetd"))
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("SIGNET_BIN_DIR is set but: %w", err)
		}
		return p, nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	root := strings.TrimSpace(string(out))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "signet-e2e", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "signetd-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	build := exec.Command("go", "build", "-o", tmp.Name(), "./cmd/signetd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("go build ./cmd/signetd: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "signetd")
	if err := os.Rename(tmp.Name(), bin); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return bin, trackSources(root)
}

// trackSources stats every file of the main module's packages that signetd
// is built from, and go.mod and go.sum. go test records what a test stats,
// so a cached result of this package is reused only while signetd's
// sources are unchanged (it cannot see the binary's own inputs otherwise).
func trackSources(root string) error {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", "./cmd/signetd")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -deps ./cmd/signetd: %w", err)
	}
	dirs := append(strings.Fields(string(out)), root)
	for _, d := range dirs {
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
