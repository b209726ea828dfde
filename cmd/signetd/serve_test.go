package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/store/sqlite"
)

// authorities counts the CA hierarchy's authorities in a dev data
// directory's database.
func authorities(t *testing.T, path string) int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	as, err := st.ListAuthorities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

// TestServeWildcardNeedsPublicURL: `signetd serve` on a wildcard address
// without pki.public_url refuses to make the CA hierarchy, whose
// certificates (the root's for 40 years) named https://[::]:PORT, with a
// message naming the setting; with pki.public_url set it starts.
func TestServeWildcardNeedsPublicURL(t *testing.T) {
	cfg, c := devConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := rootCmd()
	cmd.SetArgs([]string{"serve", "-c", cfg, "--listen", ":0"})
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	err := cmd.ExecuteContext(ctx)
	if err == nil || !strings.Contains(err.Error(), "set pki.public_url") || !strings.Contains(err.Error(), "wildcard") {
		t.Fatalf("serve on :0 without pki.public_url: %v", err)
	}
	if n := authorities(t, c.Store.Path); n != 0 {
		t.Fatalf("%d authorities were made", n)
	}

	// With pki.public_url, the same listener starts and makes the hierarchy.
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(data, "pki:\n  public_url: https://signet.example.com\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := rootCmd()
		cmd.SetArgs([]string{"serve", "-c", cfg, "--listen", ":0"})
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		done <- cmd.ExecuteContext(ctx)
	}()
	deadline := time.Now().Add(time.Minute)
	for authorities(t, c.Store.Path) != 3 {
		select {
		case err := <-done:
			stop()
			t.Fatalf("serve with pki.public_url stopped: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatal("no CA hierarchy after a minute")
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve with pki.public_url: %v", err)
	}
}
