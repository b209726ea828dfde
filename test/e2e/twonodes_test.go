//go:build e2e

package e2e

import (
	"context"
	"testing"
)

// TestTwoNodesPostgres runs two `signetd serve` nodes on one PostgreSQL
// database with one master key and one CA: a disk keypair made through
// node A signs through node B, both nodes sign concurrently, every
// signature verifies and is recorded, and the audit log stays one chain.
func TestTwoNodesPostgres(t *testing.T) {
	site := newPGSite(t)
	a := site.serve(t, "node A")
	b := site.serve(t, "node B")
	kp := newClient(a.addr, site.admin, false).createKeypair(t,
		map[string]any{"alias": "shared", "algorithm": "ecdsa", "curve": "P-256", "storage": "disk"})
	pub := parsePublicKey(t, kp.PublicKeyPEM)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	la := startLoad(ctx, a.addr, site.admin, kp.Alias, 4)
	lb := startLoad(ctx, b.addr, site.admin, kp.Alias, 4)
	la.waitFor(t, 200, a)
	lb.waitFor(t, 200, b)
	// Let every request under way finish, so the logs are complete.
	la.stop()
	lb.stop()
	gotA, gotB := la.wait(t), lb.wait(t)
	t.Logf("node A signed %d, node B %d", len(gotA), len(gotB))

	// Each node's log shows the signatures made through the other.
	checkRecorded(t, newClient(a.addr, site.admin, false), gotB, kp.ID, pub)
	checkRecorded(t, newClient(b.addr, site.admin, false), gotA, kp.ID, pub)
	auditVerify(t, site.env, "-c", site.config)

	for _, p := range []*proc{a, b} {
		if err := p.stop(); err != nil {
			t.Errorf("%s after SIGTERM: %v, want exit 0", p.name, err)
		}
	}
	auditVerify(t, site.env, "-c", site.config)
}
