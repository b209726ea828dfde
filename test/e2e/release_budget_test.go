//go:build e2e

package e2e

import (
	"strings"
	"testing"
)

// TestReleaseBudgetSQLite: 200 concurrent signing requests against a
// release allowing 50, on one `signetd dev` (SQLite): exactly 50 are
// signed, the 150 others get 403 release_quota_exhausted, and the release,
// the signature log and the audit log agree.
func TestReleaseBudgetSQLite(t *testing.T) {
	dir := t.TempDir()
	p := startDev(t, dir)
	admin := devCreds(t, dir)
	checkReleaseBudget(t, []*proc{p}, admin)
	auditVerify(t, nil, "-c", dir+"/config.yaml")
}

// TestReleaseBudgetTwoNodesPostgres: the same with two `signetd serve`
// processes on one PostgreSQL database sharing the load: the budget holds
// across nodes.
func TestReleaseBudgetTwoNodesPostgres(t *testing.T) {
	site := newPGSite(t)
	a := site.serve(t, "node A")
	b := site.serve(t, "node B")
	checkReleaseBudget(t, []*proc{a, b}, site.admin)
	auditVerify(t, site.env, "-c", site.config)
}

// checkReleaseBudget makes a keypair and a release of 50 through the first
// node and sends 200 signatures at once, spread over the nodes, each node
// over one HTTP/2 and one HTTP/1.1 client.
func checkReleaseBudget(t *testing.T, nodes []*proc, admin creds) {
	t.Helper()
	first := newClient(nodes[0].addr, admin, false)
	kp := first.createKeypair(t, map[string]any{"alias": "budget-ec", "algorithm": "ecdsa", "curve": "P-256"})
	start, end := window()
	rel := first.createRelease(t, map[string]any{"name": "budget-50", "type": "online", "keypairs": []string{kp.Alias},
		"start": start, "end": end, "max_signatures": 50})
	if rel.EffectiveStatus != "in_progress" {
		t.Fatalf("release is %s, want in_progress", rel.EffectiveStatus)
	}
	var clients []*client
	for _, n := range nodes {
		clients = append(clients, newClient(n.addr, admin, false), newClient(n.addr, admin, true))
	}
	b := signBurst(clients, kp.Alias, 200)
	for i, err := range b.others {
		if i < 5 {
			t.Errorf("neither signed nor refused for quota: %v", err)
		}
	}
	if len(b.got) != 50 || len(b.quota) != 150 {
		t.Fatalf("%d signed, %d refused for quota, %d other answers; want 50, 150, 0", len(b.got), len(b.quota), len(b.others))
	}
	for _, e := range b.quota {
		if !strings.Contains(e.Message, "release") {
			t.Fatalf("quota refusal does not name the release: %v", e)
		}
	}
	t.Logf("quota refusal: %v", b.quota[0])

	for _, n := range nodes {
		r := newClient(n.addr, admin, false).getRelease(t, rel.ID)
		if r.Used != 50 || r.Remaining != 0 {
			t.Fatalf("%s: release used %d, remaining %d; want 50, 0", n.name, r.Used, r.Remaining)
		}
	}
	if rows := first.releaseSignatures(t, rel.ID, "signed"); len(rows) != 50 {
		t.Fatalf("%d signed rows carry the release, want 50", len(rows))
	}
	// Every signature verifies and has its records; no row was signed
	// without its answer reaching a client.
	if unseen := checkRecorded(t, first, b.got, kp.ID, parsePublicKey(t, kp.PublicKeyPEM)); unseen != 0 {
		t.Fatalf("%d signed rows of the keypair were never answered", unseen)
	}
}
