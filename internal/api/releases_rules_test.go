package api_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server/servertest"
)

type approvalOut struct {
	UserID   string `json:"user_id"`
	Decision string `json:"decision"`
}

// releaseFull is a release as the API shows it, with what these tests read.
type releaseFull struct {
	releaseOut
	Name              string        `json:"name"`
	Note              string        `json:"note"`
	MaxSignatures     int           `json:"max_signatures"`
	ApprovalsRequired int           `json:"approvals_required"`
	Approvals         []approvalOut `json:"approvals"`
	Revision          int64         `json:"revision"`
}

func getRelease(t *testing.T, env *servertest.Env, u *servertest.User, id string) releaseFull {
	t.Helper()
	var r releaseFull
	env.MustDo(t, u, "GET", "/api/v1/releases/"+id, nil, 200).JSON(t, &r)
	return r
}

func setSettings(t *testing.T, env *servertest.Env, body map[string]any) {
	t.Helper()
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", body, 200)
}

// offlineRequest returns the body of an offline release of alias whose
// window is open around now.
func offlineRequest(name, alias string, now time.Time) map[string]any {
	start, end := window(now)
	return map[string]any{"name": name, "type": "offline", "keypairs": []string{alias}, "start": start, "end": end, "max_signatures": 5}
}

// together runs fns at the same instant and waits for them.
func together(fns ...func()) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for _, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// TestReleaseConcurrentDecisions: decisions made at the same time are all
// counted. An approval and a rejection: with 2 approvals needed the
// rejection always wins; with 1, exactly one of them is accepted and the
// other refused, never both. Two first approvals with 2 needed approve the
// release.
func TestReleaseConcurrentDecisions(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		a1, a2 := env.NewUser(t, "approver1", "lead"), env.NewUser(t, "approver2", "team_lead")
		generate(t, env, env.Lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
		decide := func(u *servertest.User, id, action string, out **servertest.Response) func() {
			return func() { *out = env.Do(t, u, "POST", "/api/v1/releases/"+id+"/"+action, nil) }
		}
		const rounds = 6
		setSettings(t, env, map[string]any{"release_approvals": 2})
		for i := range rounds {
			rel := createRelease(t, env, env.Lead, offlineRequest(fmt.Sprint("ar", i), "off", time.Now()), 201)
			var app, rej *servertest.Response
			together(decide(a1, rel.ID, "approve", &app), decide(a2, rel.ID, "reject", &rej))
			got := getRelease(t, env, env.Lead, rel.ID)
			if rej.Status != 200 || got.Status != "rejected" {
				t.Fatalf("round %d, 2 needed: reject %s, approve %s: release %s, want rejected", i, rej, app, got.Status)
			}
			switch {
			case app.Status == 200 && len(got.Approvals) == 2:
			case app.Status == 409 && app.Code() == "release_not_pending" && len(got.Approvals) == 1:
			default:
				t.Fatalf("round %d, 2 needed: approve %s with %d decisions recorded", i, app, len(got.Approvals))
			}
		}
		setSettings(t, env, map[string]any{"release_approvals": 1})
		for i := range rounds {
			rel := createRelease(t, env, env.Lead, offlineRequest(fmt.Sprint("ar1-", i), "off", time.Now()), 201)
			var app, rej *servertest.Response
			together(decide(a1, rel.ID, "approve", &app), decide(a2, rel.ID, "reject", &rej))
			got := getRelease(t, env, env.Lead, rel.ID)
			won, lost := app, rej
			if got.Status == "rejected" {
				won, lost = rej, app
			}
			if won.Status != 200 || lost.Status != 409 || lost.Code() != "release_not_pending" || len(got.Approvals) != 1 {
				t.Fatalf("round %d, 1 needed: approve %s, reject %s: release %s with %d decisions", i, app, rej, got.Status, len(got.Approvals))
			}
			if got.Status == "approved" {
				env.MustDo(t, env.Lead, "POST", "/api/v1/releases/"+rel.ID+"/close", nil, 200) // free the keypair
			}
		}
		setSettings(t, env, map[string]any{"release_approvals": 2})
		for i := range rounds {
			rel := createRelease(t, env, env.Lead, offlineRequest(fmt.Sprint("aa", i), "off", time.Now()), 201)
			var r1, r2 *servertest.Response
			together(decide(a1, rel.ID, "approve", &r1), decide(a2, rel.ID, "approve", &r2))
			got := getRelease(t, env, env.Lead, rel.ID)
			if r1.Status != 200 || r2.Status != 200 || got.Status != "approved" || len(got.Approvals) != 2 {
				t.Fatalf("round %d, two first approvals: %s, %s: release %s with %d approvals", i, r1, r2, got.Status, len(got.Approvals))
			}
			env.MustDo(t, env.Lead, "POST", "/api/v1/releases/"+rel.ID+"/close", nil, 200)
		}
		// Many approvers at once: every one counted.
		const n = 6
		setSettings(t, env, map[string]any{"release_approvals": n})
		rel := createRelease(t, env, env.Lead, offlineRequest("many", "off", time.Now()), 201)
		resps := make([]*servertest.Response, n)
		var fns []func()
		for i := range n {
			u := env.NewUser(t, fmt.Sprint("many", i), "team_lead")
			fns = append(fns, decide(u, rel.ID, "approve", &resps[i]))
		}
		together(fns...)
		for _, r := range resps {
			if r.Status != 200 {
				t.Errorf("one of %d concurrent approvals: %s", n, r)
			}
		}
		if got := getRelease(t, env, env.Lead, rel.ID); got.Status != "approved" || len(got.Approvals) != n {
			t.Fatalf("after %d concurrent approvals: %s with %d", n, got.Status, len(got.Approvals))
		}
	})
}

// TestReleaseConcurrentEdits: edits and decisions made at once are all
// kept: a note written while another field changes is not overwritten.
func TestReleaseConcurrentEdits(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		generate(t, env, env.Lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
		start, end := window(time.Now())
		rel := createRelease(t, env, env.Lead, map[string]any{"name": "edits", "type": "online", "keypairs": []string{"ec"},
			"start": start, "end": end, "max_signatures": 5}, 201)
		const n = 8
		resps := make([]*servertest.Response, n)
		var fns []func()
		for i := range n {
			body := map[string]any{"version": fmt.Sprint("v", i)}
			if i == 0 {
				body = map[string]any{"note": "kept"}
			}
			fns = append(fns, func() { resps[i] = env.Do(t, env.Lead, "PATCH", "/api/v1/releases/"+rel.ID, body) })
		}
		together(fns...)
		for _, r := range resps {
			if r.Status != 200 && r.Code() != "release_conflict" {
				t.Fatalf("concurrent edit: %s", r)
			}
		}
		got := getRelease(t, env, env.Lead, rel.ID)
		if resps[0].Status == 200 && got.Note != "kept" {
			t.Fatalf("the note written concurrently was lost: %+v", got)
		}
		ok := 0
		for _, r := range resps {
			if r.Status == 200 {
				ok++
			}
		}
		if got.Revision != int64(ok) {
			t.Fatalf("revision %d after %d accepted edits", got.Revision, ok)
		}
	})
}

// TestReleaseEditRules checks DESIGN.md's edit rules by status and caller:
// completed, failed and rejected releases take only name, version and
// note; one in progress takes every field from its creator and approvers,
// only labels from others; one not started or pending takes every field.
// Who may edit at all: the creator, approvers, and holders of
// release.manage; another participant may not.
func TestReleaseEditRules(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		now := time.Now()
		clock := func() time.Time { return now.Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		env.MustDo(t, env.Lead, "POST", "/api/v1/roles", map[string]any{"name": "release_manager",
			"permissions": []string{"release.manage", "release.view"}}, 201)
		creator := env.NewUser(t, "creator", "developer")
		approver := env.NewUser(t, "approver", "team_lead")
		participant := env.NewUser(t, "participant", "developer")
		manager := env.NewUser(t, "manager", "release_manager")
		callers := []struct {
			name string
			u    *servertest.User
		}{{"creator", creator}, {"approver", approver}, {"other participant", participant}, {"manager", manager}}

		rfc := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		mk := func(status string) string {
			alias := "kp-" + status
			typ := "online"
			start, end := rfc(-time.Hour), rfc(time.Hour)
			switch status {
			case "pending", "rejected":
				typ = "offline"
			case "failed":
				typ, start, end = "offline", rfc(-2*time.Hour), rfc(-time.Hour)
			case "not_started":
				start, end = rfc(time.Hour), rfc(2*time.Hour)
			case "completed":
				start, end = rfc(-2*time.Hour), rfc(-time.Hour)
			}
			kstatus := map[bool]string{true: "offline", false: "online"}[typ == "offline"]
			generate(t, env, env.Lead, map[string]any{"alias": alias, "algorithm": "ecdsa", "status": kstatus})
			rel := createRelease(t, env, creator, map[string]any{"name": status, "type": typ, "keypairs": []string{alias},
				"participants": []string{creator.ID, participant.ID}, "start": start, "end": end, "max_signatures": 100}, 201)
			if status == "rejected" {
				env.MustDo(t, approver, "POST", "/api/v1/releases/"+rel.ID+"/reject", nil, 200)
			}
			if got := getRelease(t, env, env.Lead, rel.ID); got.EffectiveStatus != status {
				t.Fatalf("release made %s is %s", status, got.EffectiveStatus)
			}
			return rel.ID
		}
		ok, locked409, locked403, denied := "", "409 release_fields_locked", "403 release_fields_locked", "403 permission_denied"
		// want[status] = results for creator, approver, participant, manager:
		// first with labels only, then with more.
		want := map[string][2][4]string{
			"not_started": {{ok, ok, denied, ok}, {ok, ok, denied, ok}},
			"pending":     {{ok, ok, denied, ok}, {ok, ok, denied, ok}},
			"in_progress": {{ok, ok, denied, ok}, {ok, ok, denied, locked403}},
			"completed":   {{ok, ok, denied, ok}, {locked409, locked409, denied, locked409}},
			"failed":      {{ok, ok, denied, ok}, {locked409, locked409, denied, locked409}},
			"rejected":    {{ok, ok, denied, ok}, {locked409, locked409, denied, locked409}},
		}
		ids := map[string]string{}
		for _, status := range []string{"not_started", "pending", "in_progress", "completed", "failed", "rejected"} {
			id := mk(status)
			ids[status] = id
			for fi, fields := range []string{"labels only", "more"} {
				for ci, c := range callers {
					t.Run(status+"/"+c.name+"/"+fields, func(t *testing.T) {
						body := map[string]any{"name": status, "version": c.name + "-" + fields, "note": "edited by " + c.name}
						if fields == "more" {
							body["max_signatures"] = 101 + fi*10 + ci
						}
						r := env.Do(t, c.u, "PATCH", "/api/v1/releases/"+id, body)
						exp := want[status][fi][ci]
						switch {
						case exp == ok && r.Status != 200:
							t.Fatalf("refused: %s", r)
						case exp != ok && fmt.Sprint(r.Status, " ", r.Code()) != exp:
							t.Fatalf("got %s, want %s", r, exp)
						}
					})
				}
			}
		}
		// A closed release is completed: labels only.
		id := ids["in_progress"]
		env.MustDo(t, creator, "POST", "/api/v1/releases/"+id+"/close", nil, 200)
		if r := env.Do(t, creator, "PATCH", "/api/v1/releases/"+id, map[string]any{"end": rfc(3 * time.Hour)}); r.Status != 409 ||
			r.Code() != "release_fields_locked" || !strings.Contains(string(r.Body), "completed") {
			t.Fatalf("more than labels of a closed release: %s", r)
		}
		env.MustDo(t, creator, "PATCH", "/api/v1/releases/"+id, map[string]any{"note": "post mortem"}, 200)
		if r := env.Do(t, creator, "POST", "/api/v1/releases/"+id+"/close", nil); r.Status != 409 || r.Code() != "release_closed" {
			t.Fatalf("closing twice: %s", r)
		}
	})
}

// TestApprovedEditNeedsApproval: changing more than name, version and
// note of an approved offline release sends it back to pending with its
// approvals cleared and audited, so that an approval cannot be stretched
// over a window, budget, keypairs or participants nobody approved.
func TestApprovedEditNeedsApproval(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		lead := env.Lead
		a1, a2 := env.NewUser(t, "approver1", "lead"), env.NewUser(t, "approver2", "team_lead")
		setSettings(t, env, map[string]any{"release_approvals": 2})
		generate(t, env, lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
		d := sha256.Sum256([]byte("x"))
		sign := func() *servertest.Response {
			return env.Do(t, lead, "POST", "/api/v1/keypairs/off/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]})
		}
		approveAll := func(id string) {
			t.Helper()
			env.MustDo(t, a1, "POST", "/api/v1/releases/"+id+"/approve", nil, 200)
			env.MustDo(t, a2, "POST", "/api/v1/releases/"+id+"/approve", nil, 200)
		}
		rel := createRelease(t, env, lead, offlineRequest("v1", "off", time.Now()), 201)
		approveAll(rel.ID)
		if r := sign(); r.Status != 200 {
			t.Fatalf("sign in the approved window: %s", r)
		}
		// Labels, and a "change" to the same values, keep the approvals.
		got := getRelease(t, env, lead, rel.ID)
		env.MustDo(t, lead, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"name": "v1.0", "version": "1.0", "note": "n",
			"max_signatures": got.MaxSignatures, "keypairs": []string{"off"}}, 200)
		if got = getRelease(t, env, lead, rel.ID); got.Status != "approved" || len(got.Approvals) != 2 {
			t.Fatalf("after a label edit: %s with %d approvals", got.Status, len(got.Approvals))
		}
		for _, change := range []map[string]any{
			{"max_signatures": 50},
			{"end": time.Now().Add(3 * time.Hour).Format(time.RFC3339)},
			{"participants": []string{lead.ID, a1.ID}},
		} {
			var out releaseFull
			env.MustDo(t, lead, "PATCH", "/api/v1/releases/"+rel.ID, change, 200).JSON(t, &out)
			if out.Status != "pending" || len(out.Approvals) != 0 || out.ApprovalsRequired != 2 {
				t.Fatalf("after changing %v: %s with %d approvals (%d needed)", change, out.Status, len(out.Approvals), out.ApprovalsRequired)
			}
			if r := sign(); r.Status != 403 || r.Code() != "release_not_approved" {
				t.Fatalf("sign after changing %v: %s", change, r)
			}
			approveAll(rel.ID) // the same approvers decide on the new content
			if r := sign(); r.Status != 200 {
				t.Fatalf("sign after approving again: %s", r)
			}
		}
		evs, err := env.Store.ListAudit(context.Background(), audit.Filter{Type: "Release", Action: "ClearApprovals"})
		if err != nil || len(evs) != 3 {
			t.Fatalf("%d ClearApprovals events (%v), want 3", len(evs), err)
		}
		if ev := evs[0]; ev.ResourceID != rel.ID || ev.ActorID != lead.ID || ev.Details["from"] != "approved" ||
			!strings.Contains(ev.Details["cleared"], "approver1:approve") || !strings.Contains(ev.Details["cleared"], "approver2:approve") {
			t.Fatalf("ClearApprovals event: %+v", ev)
		}
		// A pending request's partial approvals are cleared too.
		generate(t, env, lead, map[string]any{"alias": "off2", "algorithm": "ecdsa", "status": "offline"})
		rel2 := createRelease(t, env, lead, offlineRequest("v2", "off2", time.Now()), 201)
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+rel2.ID+"/approve", nil, 200)
		env.MustDo(t, lead, "PATCH", "/api/v1/releases/"+rel2.ID, map[string]any{"max_signatures": 9}, 200)
		env.MustDo(t, a2, "POST", "/api/v1/releases/"+rel2.ID+"/approve", nil, 200)
		if got := getRelease(t, env, lead, rel2.ID); got.Status != "pending" || len(got.Approvals) != 1 {
			t.Fatalf("the approval before the edit still counts: %s with %d approvals", got.Status, len(got.Approvals))
		}
	})
}

// TestReleaseSettingsTakeEffect: the approvals an offline release needs
// and the dynamic-key rotation interval are account settings in the
// database: checked, and acting on the next request or job run.
func TestReleaseSettingsTakeEffect(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		var set struct {
			ReleaseApprovals int `json:"release_approvals"`
			RotationSeconds  int `json:"rotation_interval_seconds"`
		}
		dev := env.NewUser(t, "dev", "developer")
		env.MustDo(t, dev, "GET", "/api/v1/settings", nil, 200).JSON(t, &set)
		if set.ReleaseApprovals != 1 || set.RotationSeconds != 900 {
			t.Fatalf("defaults: %+v", set)
		}
		for _, tc := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"release_approvals": 0}, "invalid_release_approvals"},
			{map[string]any{"release_approvals": 11}, "invalid_release_approvals"},
			{map[string]any{"rotation_interval_seconds": 59}, "invalid_rotation_interval"},
			{map[string]any{"rotation_interval_seconds": 86401}, "invalid_rotation_interval"},
		} {
			if r := env.Do(t, env.Lead, "PATCH", "/api/v1/settings", tc.body); r.Status != 400 || r.Code() != tc.code {
				t.Errorf("%v: %s", tc.body, r)
			}
		}
		if r := env.Do(t, dev, "PATCH", "/api/v1/settings", map[string]any{"release_approvals": 1}); r.Status != 403 {
			t.Errorf("a developer changed the settings: %s", r)
		}

		// Approvals: a request made after the change needs the new number.
		a1, a2 := env.NewUser(t, "approver1", "lead"), env.NewUser(t, "approver2", "lead")
		generate(t, env, env.Lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
		r1 := createRelease(t, env, env.Lead, offlineRequest("one", "off", clock()), 201)
		var got releaseFull
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+r1.ID+"/approve", nil, 200).JSON(t, &got)
		if got.Status != "approved" {
			t.Fatalf("one approval of one needed: %s", got.Status)
		}
		env.MustDo(t, env.Lead, "POST", "/api/v1/releases/"+r1.ID+"/close", nil, 200)
		setSettings(t, env, map[string]any{"release_approvals": 2})
		r2 := createRelease(t, env, env.Lead, offlineRequest("two", "off", clock()), 201)
		env.MustDo(t, a1, "POST", "/api/v1/releases/"+r2.ID+"/approve", nil, 200).JSON(t, &got)
		if got.Status != "pending" || got.ApprovalsRequired != 2 {
			t.Fatalf("one approval of two needed: %+v", got)
		}
		env.MustDo(t, a2, "POST", "/api/v1/releases/"+r2.ID+"/approve", nil, 200).JSON(t, &got)
		if got.Status != "approved" {
			t.Fatalf("two approvals of two needed: %s", got.Status)
		}

		// Rotation: with a 2-minute interval a dynamic key is replaced after
		// 3 minutes, which the 15-minute default would not do.
		generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic"})
		_, s1 := signDigest(t, env, "dyn", "before")
		offset.Store(int64(3 * time.Minute))
		env.Server.RunJobs(context.Background())
		if _, s := signDigest(t, env, "dyn", "default"); s.Generation != s1.Generation {
			t.Fatalf("rotated after 3 minutes with the 15-minute default: generation %d", s.Generation)
		}
		setSettings(t, env, map[string]any{"rotation_interval_seconds": 120})
		env.Server.RunJobs(context.Background())
		if _, s := signDigest(t, env, "dyn", "after"); s.Generation != s1.Generation+1 {
			t.Fatalf("generation %d after 3 minutes with a 2-minute interval, want %d", s.Generation, s1.Generation+1)
		}
		env.MustDo(t, dev, "GET", "/api/v1/settings", nil, 200).JSON(t, &set)
		if set.ReleaseApprovals != 2 || set.RotationSeconds != 120 {
			t.Fatalf("settings read back: %+v", set)
		}
	})
}

// TestTestReleaseKeypairs: a test release takes test keypairs only, and
// test keypairs belong in test releases.
func TestTestReleaseKeypairs(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		generate(t, env, env.Lead, map[string]any{"alias": "prod", "algorithm": "ecdsa"})
		generate(t, env, env.Lead, map[string]any{"alias": "qa", "algorithm": "ecdsa", "category": "test"})
		start, end := window(time.Now())
		body := func(typ string, aliases ...string) map[string]any {
			return map[string]any{"name": typ, "type": typ, "keypairs": aliases, "start": start, "end": end, "max_signatures": 5}
		}
		for _, tc := range []struct {
			name string
			body map[string]any
		}{
			{"test release, production keypair", body("test", "prod")},
			{"test release, one production keypair among test ones", body("test", "qa", "prod")},
			{"online release, test keypair", body("online", "qa")},
			{"offline release, test keypair", body("offline", "qa")},
		} {
			if r := env.Do(t, env.Lead, "POST", "/api/v1/releases", tc.body); r.Status != 400 || r.Code() != "invalid_keypairs" {
				t.Errorf("%s: %s", tc.name, r)
			}
		}
		rel := createRelease(t, env, env.Lead, body("test", "qa"), 201)
		if rel.Status != "approved" {
			t.Fatalf("test release: %+v", rel)
		}
		// Nor can an update bring a production keypair into it.
		if r := env.Do(t, env.Lead, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"keypairs": []string{"qa", "prod"}}); r.Status != 400 || r.Code() != "invalid_keypairs" {
			t.Fatalf("update of a test release with a production keypair: %s", r)
		}
	})
}

// TestReleaseSettingsTwoNodes: a setting changed through one node acts on
// the next request to another sharing the PostgreSQL database.
func TestReleaseSettingsTwoNodes(t *testing.T) {
	a, b := twoNodes(t)
	generate(t, b, b.Lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
	for _, n := range []int{3, 1} {
		setSettings(t, a, map[string]any{"release_approvals": n})
		var rel releaseFull
		b.MustDo(t, b.Lead, "POST", "/api/v1/releases", offlineRequest(fmt.Sprint("n", n), "off", time.Now()), 201).JSON(t, &rel)
		if rel.ApprovalsRequired != n {
			t.Fatalf("node b asked for %d approvals after node a set %d", rel.ApprovalsRequired, n)
		}
		b.MustDo(t, b.Lead, "POST", "/api/v1/releases/"+rel.ID+"/close", nil, 200)
	}
}

// TestReleaseTeamMove: moving a release into another team takes the right
// to edit it there.
func TestReleaseTeamMove(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		lead := env.Lead
		setSettings(t, env, map[string]any{"teams_enabled": true})
		for _, team := range []string{"blue", "red"} {
			env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": team}, 201)
		}
		tl := env.NewUser(t, "tl", "team_lead")
		env.MustDo(t, lead, "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": tl.ID}, 200)
		generate(t, env, lead, map[string]any{"alias": "ec", "algorithm": "ecdsa", "team": "blue"})
		start, end := window(time.Now())
		rel := createRelease(t, env, lead, map[string]any{"name": "blue-rel", "type": "online", "team": "blue", "keypairs": []string{"ec"},
			"start": start, "end": end, "max_signatures": 5}, 201)
		env.MustDo(t, tl, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"note": "checked"}, 200)
		if r := env.Do(t, tl, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"team": "red"}); r.Status != 403 {
			t.Fatalf("a blue team lead moved a release into red: %s", r)
		}
		var got struct{ Team string }
		env.MustDo(t, lead, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"team": "red"}, 200).JSON(t, &got)
		if got.Team != "red" {
			t.Fatalf("moved by the Lead: team %q", got.Team)
		}
	})
}

// TestReleaseKeypairAccess: a release caps and gates its keypairs'
// signatures, so a Developer who may not sign with a restricted keypair may
// not put it in a release either (nor edit it in); those it is assigned to,
// and Leads, may. A release keeps at least one keypair and one participant.
func TestReleaseKeypairAccess(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		dev := env.NewUser(t, "dev", "developer")
		ally := env.NewUser(t, "ally", "developer")
		generate(t, env, env.Lead, map[string]any{"alias": "locked", "algorithm": "ecdsa", "access": "restricted", "allowed_users": []string{ally.ID}})
		generate(t, env, env.Lead, map[string]any{"alias": "open", "algorithm": "ecdsa"})
		start, end := window(time.Now())
		body := func(kps ...string) map[string]any {
			return map[string]any{"name": "cap", "type": "online", "keypairs": kps, "participants": []string{ally.ID},
				"start": start, "end": end, "max_signatures": 1}
		}
		if r := env.Do(t, dev, "POST", "/api/v1/releases", body("locked")); r.Status != 403 || r.Code() != "keypair_access_denied" {
			t.Fatalf("a Developer capping a restricted keypair it cannot use: %s", r)
		}
		rel := createRelease(t, env, dev, body("open"), 201)
		if r := env.Do(t, dev, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"keypairs": []string{"open", "locked"}}); r.Status != 403 || r.Code() != "keypair_access_denied" {
			t.Fatalf("editing a restricted keypair in: %s", r)
		}
		for field, code := range map[string]string{"keypairs": "invalid_keypairs", "participants": "invalid_participants"} {
			if r := env.Do(t, dev, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{field: []string{}}); r.Status != 400 || r.Code() != code {
				t.Errorf("emptying %s: %s", field, r)
			}
		}
		// An approver (a team lead, without release.request) edits the
		// keypairs of a release it may edit; resending them is no question.
		tl := env.NewUser(t, "tl", "team_lead")
		generate(t, env, env.Lead, map[string]any{"alias": "open2", "algorithm": "ecdsa"})
		env.MustDo(t, tl, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"keypairs": []string{"open", "open2"}}, 200)
		env.MustDo(t, dev, "PATCH", "/api/v1/releases/"+rel.ID, map[string]any{"keypairs": []string{"open", "open2"}, "note": "same"}, 200)
		env.MustDo(t, env.Lead, "POST", "/api/v1/releases/"+rel.ID+"/close", nil, 200)
		createRelease(t, env, ally, body("locked"), 201)
	})
}
