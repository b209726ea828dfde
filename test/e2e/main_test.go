//go:build e2e

// Package e2e runs the real signetd binary against real SQLite and
// PostgreSQL, with curl and openssl as the clients of the walk-through:
//
//	go test -tags e2e ./test/e2e/ -v
//
// TestMain builds signetd once (or uses $SIGNET_BIN_DIR/signetd when set, as
// scripts/test.sh does after make build); PostgreSQL comes from pgtest.
package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/store/pgtest"
)

// signetd is the path of the binary under test.
var signetd string

func TestMain(m *testing.M) {
	bin, err := binary()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	signetd = bin
	pgtest.Main(m)
}

// binary returns $SIGNET_BIN_DIR/signetd, or builds it. The build goes to a
// directory in the user cache named after the module root, replaced
// atomically, so that repeated runs reuse one file rather than leaving one
// per run behind (pgtest.Main exits, so TestMain cannot clean up after it).
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
	return bin, nil
}
