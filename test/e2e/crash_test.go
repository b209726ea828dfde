//go:build e2e

package e2e

import (
	"context"
	"testing"
)

// TestCrashSafety kills signetd with SIGKILL in the middle of a signing
// load, three times, and shows after each restart that every signature a
// client received is in the signature log and the audit log, and that the
// audit chain verifies.
func TestCrashSafety(t *testing.T) {
	dir := t.TempDir()
	srv := startDev(t, dir)
	cr := devCreds(t, dir)
	kp := newClient(srv.addr, cr, false).createKeypair(t, map[string]any{"alias": "crash", "algorithm": "ecdsa", "curve": "P-256"})
	pub := parsePublicKey(t, kp.PublicKeyPEM)

	var got []received
	for round := 1; round <= 3; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		l := startLoad(ctx, srv.addr, cr, kp.Alias, 8)
		l.waitFor(t, 300, srv)
		underway := l.inflight.Load()
		srv.kill()
		got = append(got, l.wait(t)...)
		cancel()
		t.Logf("round %d: kill -9 with about %d requests under way; %d signatures received in all", round, underway, len(got))

		// The chain verifies straight after the crash, before any restart.
		auditVerify(t, nil, "--data-dir", dir)

		srv = startDev(t, dir)
		lost := checkRecorded(t, newClient(srv.addr, cr, false), got, kp.ID, pub)
		if t.Failed() {
			return
		}
		t.Logf("round %d: every received signature is recorded; %d recorded signatures never reached a client", round, lost)
	}
	if err := srv.stop(); err != nil {
		t.Errorf("signetd dev after SIGTERM: %v, want exit 0", err)
	}
	auditVerify(t, nil, "--data-dir", dir)
}

// TestGracefulShutdown sends SIGTERM in the middle of a signing load: the
// process exits 0, no request is refused, and every signature a client
// received is recorded.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	srv := startDev(t, dir)
	cr := devCreds(t, dir)
	kp := newClient(srv.addr, cr, false).createKeypair(t, map[string]any{"alias": "term", "algorithm": "ecdsa", "curve": "P-256"})
	pub := parsePublicKey(t, kp.PublicKeyPEM)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := startLoad(ctx, srv.addr, cr, kp.Alias, 8)
	l.waitFor(t, 200, srv)
	if err := srv.stop(); err != nil {
		t.Errorf("signetd dev after SIGTERM under load: %v, want exit 0", err)
	}
	got := l.wait(t)
	t.Logf("%d signatures received before the server stopped", len(got))
	auditVerify(t, nil, "--data-dir", dir)

	srv = startDev(t, dir)
	if lost := checkRecorded(t, newClient(srv.addr, cr, false), got, kp.ID, pub); lost != 0 {
		// Graceful: a request under way is answered before the process exits.
		t.Errorf("%d signatures were recorded but never answered", lost)
	}
}
