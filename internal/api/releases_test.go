package api_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/siglog"
)

type releaseOut struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	EffectiveStatus string `json:"effective_status"`
	Used            int    `json:"used"`
}

func createRelease(t *testing.T, env *servertest.Env, u *servertest.User, body map[string]any, want int) releaseOut {
	t.Helper()
	var r releaseOut
	env.MustDo(t, u, "POST", "/api/v1/releases", body, want).JSON(t, &r)
	return r
}

// hammer sends n concurrent signing requests spread over the envs and users
// and counts the answers by status.
func hammer(t *testing.T, n int, alias string, targets []target) map[int]int {
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg := targets[i%len(targets)]
			d := sha256.Sum256([]byte(fmt.Sprint(i)))
			r := tg.env.Do(t, tg.user, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]})
			if r.Status != 200 && r.Code() != "release_quota_exhausted" {
				t.Errorf("refused with %s", r)
			}
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return counts
}

type target struct {
	env  *servertest.Env
	user *servertest.User
}

func window(now time.Time) (string, string) {
	return now.Add(-time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
}

// TestReleaseBudgetUnderConcurrency: 200 concurrent signatures against a
// budget of 50: exactly 50 succeed, on each store.
func TestReleaseBudgetUnderConcurrency(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		generate(t, env, env.Lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
		start, end := window(time.Now())
		rel := createRelease(t, env, env.Lead, map[string]any{"name": "r1", "type": "online", "keypairs": []string{"ec"},
			"start": start, "end": end, "max_signatures": 50}, 201)
		counts := hammer(t, 200, "ec", []target{{env, env.Lead}})
		checkBudget(t, env.Store, rel.ID, counts)
	})
}

// TestReleaseBudgetTwoNodes: the same against two servers on one PostgreSQL.
func TestReleaseBudgetTwoNodes(t *testing.T) {
	a, b := twoNodes(t)
	generate(t, a, a.Lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
	start, end := window(time.Now())
	rel := createRelease(t, a, a.Lead, map[string]any{"name": "r2", "type": "online", "keypairs": []string{"ec"},
		"participants": []string{a.Lead.ID, b.Lead.ID}, "start": start, "end": end, "max_signatures": 50}, 201)
	counts := hammer(t, 200, "ec", []target{{a, a.Lead}, {b, b.Lead}})
	checkBudget(t, a.Store, rel.ID, counts)
}

func checkBudget(t *testing.T, st server.Store, releaseID string, counts map[int]int) {
	t.Helper()
	if counts[200] != 50 || counts[403] != 150 {
		t.Fatalf("answers by status %v, want 50 × 200 and 150 × 403 release_quota_exhausted", counts)
	}
	r, err := st.GetRelease(context.Background(), releaseID)
	if err != nil || r.Used != 50 {
		t.Fatalf("release used %d (%v), want 50", r.Used, err)
	}
	recs, err := st.ListSignatures(context.Background(), siglog.Filter{ReleaseID: releaseID, Status: siglog.StatusSigned, Limit: 1000})
	if err != nil || len(recs) != 50 {
		t.Fatalf("%d signed records carry the release (%v), want 50", len(recs), err)
	}
}

// TestOfflineKeypairWindow walks an offline keypair through its release.
func TestOfflineKeypairWindow(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		now := time.Now()
		clock := func() time.Time { return now.Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		lead, other := env.Lead, env.NewUser(t, "approver", "lead")
		dev := env.NewUser(t, "dev", "developer")
		generate(t, env, lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
		d := sha256.Sum256([]byte("x"))
		sign := func(u *servertest.User) *servertest.Response {
			return env.Do(t, u, "POST", "/api/v1/keypairs/off/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]})
		}
		expect := func(r *servertest.Response, status int, code string) {
			t.Helper()
			if r.Status != status || (code != "" && r.Code() != code) {
				t.Fatalf("got %s, want %d %s", r, status, code)
			}
		}
		expect(sign(lead), 403, "keypair_offline")
		rel := createRelease(t, env, lead, map[string]any{"name": "v1", "type": "offline", "keypairs": []string{"off"},
			"start": now.Add(time.Hour).Format(time.RFC3339), "end": now.Add(2 * time.Hour).Format(time.RFC3339), "max_signatures": 10}, 201)
		if rel.Status != "pending" {
			t.Fatalf("offline release status %q, want pending", rel.Status)
		}
		expect(sign(lead), 403, "release_not_approved")
		env.MustDo(t, other, "POST", "/api/v1/releases/"+rel.ID+"/approve", nil, 200)
		expect(sign(lead), 403, "release_not_started")
		offset.Store(int64(90 * time.Minute)) // inside the window
		expect(sign(dev), 403, "not_release_participant")
		expect(sign(lead), 200, "")
		offset.Store(int64(3 * time.Hour)) // after it
		expect(sign(lead), 403, "keypair_offline")
		if err := env.Server.API.Releases.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Events []struct{ Details map[string]string }
		}
		env.MustDo(t, lead, "GET", "/api/v1/logs/audit?action=Status&resource="+rel.ID, nil, 200).JSON(t, &ev)
		if len(ev.Events) != 1 || ev.Events[0].Details["to"] != "completed" {
			t.Fatalf("status moves audited: %+v", ev.Events)
		}
	})
}

// TestApprovals: two approvals needed; one leaves it pending; the requester
// cannot approve; a rejection cancels, also after one approval; on each
// store.
func TestApprovals(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store, servertest.WithReleaseApprovals(2))
		lead := env.Lead
		a1, a2 := env.NewUser(t, "approver1", "lead"), env.NewUser(t, "approver2", "team_lead")
		for _, alias := range []string{"off1", "off2", "off3"} {
			generate(t, env, lead, map[string]any{"alias": alias, "algorithm": "ecdsa", "status": "offline"})
		}
		start, end := window(time.Now())
		req := func(alias string) releaseOut {
			return createRelease(t, env, lead, map[string]any{"name": alias, "type": "offline", "keypairs": []string{alias},
				"start": start, "end": end, "max_signatures": 5}, 201)
		}
		r1 := req("off1")
		if r := env.Do(t, lead, "POST", "/api/v1/releases/"+r1.ID+"/approve", nil); r.Status != 403 || r.Code() != "own_release" {
			t.Fatalf("own approval: %s", r)
		}
		var got releaseOut
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+r1.ID+"/approve", nil, 200).JSON(t, &got)
		if got.Status != "pending" {
			t.Fatalf("after one approval of two: %q", got.Status)
		}
		if r := env.Do(t, a1, "POST", "/api/v1/releases/"+r1.ID+"/approve", nil); r.Status != 409 || r.Code() != "already_decided" {
			t.Fatalf("second approval by the same approver: %s", r)
		}
		env.MustDo(t, a2, "POST", "/api/v1/releases/"+r1.ID+"/approve", map[string]any{"comment": "ok"}, 200).JSON(t, &got)
		if got.Status != "approved" || got.EffectiveStatus != "in_progress" {
			t.Fatalf("after two approvals: %+v", got)
		}
		r2 := req("off2")
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+r2.ID+"/reject", map[string]any{"comment": "no"}, 200).JSON(t, &got)
		if got.Status != "rejected" {
			t.Fatalf("after a rejection: %q", got.Status)
		}
		if r := env.Do(t, a2, "POST", "/api/v1/releases/"+r2.ID+"/approve", nil); r.Status != 409 || r.Code() != "release_not_pending" {
			t.Fatalf("approval after rejection: %s", r)
		}
		// A rejection after one approval of two cancels the request.
		r3 := req("off3")
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+r3.ID+"/approve", nil, 200)
		var full releaseFull
		env.MustDo(t, a2, "POST", "/api/v1/releases/"+r3.ID+"/reject", map[string]any{"comment": "no"}, 200).JSON(t, &full)
		if full.Status != "rejected" || len(full.Approvals) != 2 {
			t.Fatalf("a rejection after one approval: %s with %d decisions", full.Status, len(full.Approvals))
		}
		d := sha256.Sum256([]byte("x"))
		if r := env.Do(t, lead, "POST", "/api/v1/keypairs/off3/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}); r.Status != 403 || r.Code() != "keypair_offline" {
			t.Fatalf("signing with the keypair of a rejected release: %s", r)
		}
		// A keypair is in at most one live release.
		createRelease(t, env, lead, map[string]any{"name": "dup", "type": "offline", "keypairs": []string{"off1"},
			"start": start, "end": end, "max_signatures": 5}, 409)
		// The rejected releases freed their keypairs.
		req("off2")
		req("off3")
	})
}
