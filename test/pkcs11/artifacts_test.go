//go:build e2e

package pkcs11

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// helloSource is the Windows program the Authenticode tests sign.
const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello from a program signed through Signet") }
`

// buildPE builds a small Windows executable (GOOS=windows) into dir and
// returns its path.
func buildPE(t testing.TB, dir string) string {
	t.Helper()
	src := t.TempDir()
	for name, text := range map[string]string{"main.go": helloSource, "go.mod": "module hello\n\ngo 1.22\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(dir, "hello.exe")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go build: %v\n%s", err, out)
	}
	return exe
}
