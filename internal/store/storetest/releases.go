package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store"
)

func newRelease(id string, kps ...string) *release.Release {
	return &release.Release{ID: id, Name: "name-" + id, Version: "1.0", Category: release.CategoryStandard,
		Type: release.TypeOffline, Status: release.StatusPending, Keypairs: kps, Participants: []string{"u-alice"},
		Start: at(0), End: at(3600), MaxSignatures: 10, ApprovalsRequired: 2, Approvals: []release.Approval{},
		CreatedBy: "u-alice", CreatedAt: at(1), UpdatedAt: at(1)}
}

// testReleaseRevisions: every update is conditional on the revision read;
// a stale one is refused and changes nothing.
func testReleaseRevisions(t *testing.T, s server.Store) {
	ctx := t.Context()
	r := newRelease("rel-1", "kp-1")
	must(t, s.CreateRelease(ctx, r, event(1, "Request", r.ID)))
	got, err := s.GetRelease(ctx, r.ID)
	must(t, err)
	same(t, "created", got, r)

	first, second := *got, *got
	first.Note = "first"
	must(t, s.UpdateRelease(ctx, &first, release.Edit{Events: []*audit.Event{event(2, "Update", r.ID)}}))
	if first.Revision != 1 {
		t.Fatalf("revision after one update: %d", first.Revision)
	}
	second.Note = "second"
	wantErr(t, "update from a stale read", s.UpdateRelease(ctx, &second, release.Edit{Events: []*audit.Event{event(3, "Update", r.ID)}}), release.ErrStale)
	got, err = s.GetRelease(ctx, r.ID)
	must(t, err)
	if got.Note != "first" || got.Revision != 1 {
		t.Fatalf("after a stale update: note %q revision %d", got.Note, got.Revision)
	}
	missing := newRelease("rel-none")
	wantErr(t, "update of a missing release", s.UpdateRelease(ctx, missing, release.Edit{}), store.ErrNotFound)

	// A budget smaller than what is used is stale too: the reservation won.
	ok, err := s.Reserve(ctx, r.ID, 3)
	if err != nil || !ok {
		t.Fatalf("reserve: %v %v", ok, err)
	}
	small := *got
	small.MaxSignatures = 2
	wantErr(t, "budget below use", s.UpdateRelease(ctx, &small, release.Edit{}), release.ErrStale)
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("%d audit records, want 2 (refused updates write none)", n)
	}
}

// testReleasePhases: phases are read in bulk, across the 500-id chunks;
// a phase moves only from the phase it is at, with its audit event.
func testReleasePhases(t *testing.T, s server.Store) {
	ctx := t.Context()
	var ids []string
	for i := range 502 {
		r := newRelease(fmt.Sprintf("rel-%03d", i))
		must(t, s.CreateRelease(ctx, r, nil))
		ids = append(ids, r.ID)
	}
	moved, err := s.AdvancePhase(ctx, "rel-501", "", release.StatusNotStarted, event(1, "Status", "rel-501"))
	if err != nil || !moved {
		t.Fatalf("advance from the first phase: %v %v", moved, err)
	}
	moved, err = s.AdvancePhase(ctx, "rel-501", "", release.StatusInProgress, event(2, "Status", "rel-501"))
	if err != nil || moved {
		t.Fatalf("advance from a phase it has left: %v %v", moved, err)
	}
	got, err := s.PhasesOf(ctx, append(ids, "rel-missing"))
	must(t, err)
	if len(got) != len(ids) || got["rel-000"] != "" || got["rel-500"] != "" || got["rel-501"] != release.StatusNotStarted {
		t.Fatalf("%d phases (want %d); rel-000 %q, rel-500 %q, rel-501 %q", len(got), len(ids), got["rel-000"], got["rel-500"], got["rel-501"])
	}
	if _, ok := got["rel-missing"]; ok {
		t.Fatal("a phase for a release that does not exist")
	}
	if n := auditCount(t, s); n != 1 {
		t.Fatalf("%d audit records, want 1 (the move that happened)", n)
	}
}

// testReleaseDecisions: decisions are rows, one per approver, read back
// in order; clearing them deletes them.
func testReleaseDecisions(t *testing.T, s server.Store) {
	ctx := t.Context()
	r := newRelease("rel-2", "kp-2")
	must(t, s.CreateRelease(ctx, r, event(1, "Request", r.ID)))
	decide := func(r *release.Release, i int, user, decision string) error {
		a := release.Approval{UserID: user, UserName: "name-" + user, Decision: decision, Comment: "c" + user, At: at(i)}
		r.Approvals = append(r.Approvals, a)
		return s.UpdateRelease(ctx, r, release.Edit{Decision: &a, Events: []*audit.Event{event(i, "Approve", r.ID)}})
	}
	must(t, decide(r, 10, "u-bob", "approve"))
	must(t, decide(r, 11, "u-carol", "approve"))
	got, err := s.GetRelease(ctx, r.ID)
	must(t, err)
	same(t, "approvals", got.Approvals, r.Approvals)
	again := *got
	wantErr(t, "a second decision of one approver", decide(&again, 12, "u-bob", "reject"), release.ErrDecided)
	list, err := s.ListReleases(ctx, release.Filter{})
	must(t, err)
	if len(list) != 1 || len(list[0].Approvals) != 2 {
		t.Fatalf("listed: %+v", list)
	}

	got.Status, got.Approvals = release.StatusPending, []release.Approval{}
	must(t, s.UpdateRelease(ctx, got, release.Edit{ClearApprovals: true, Events: []*audit.Event{event(13, "ClearApprovals", r.ID)}}))
	got, err = s.GetRelease(ctx, r.ID)
	must(t, err)
	if len(got.Approvals) != 0 || got.Revision != 3 {
		t.Fatalf("after clearing: %d approvals, revision %d", len(got.Approvals), got.Revision)
	}
	must(t, decide(got, 14, "u-bob", "approve")) // bob may decide on the new request
}

// testReleaseConcurrentDecisions: approvers deciding at once, each
// retrying on release.ErrStale from a fresh read, all get counted.
func testReleaseConcurrentDecisions(t *testing.T, s server.Store) {
	ctx := t.Context()
	const n = 8
	r := newRelease("rel-3", "kp-3")
	r.ApprovalsRequired = n
	must(t, s.CreateRelease(ctx, r, event(1, "Request", r.ID)))
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- approveWithRetry(ctx, s, r.ID, fmt.Sprintf("u-%d", i), 100+i)
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		must(t, err)
	}
	got, err := s.GetRelease(ctx, r.ID)
	must(t, err)
	if len(got.Approvals) != n || got.Status != release.StatusApproved || got.Revision != n {
		t.Fatalf("after %d concurrent approvals: %d recorded, status %s, revision %d", n, len(got.Approvals), got.Status, got.Revision)
	}
}

func approveWithRetry(ctx context.Context, s server.Store, id, user string, i int) error {
	for attempt := 0; attempt < 100; attempt++ {
		r, err := s.GetRelease(ctx, id)
		if err != nil {
			return err
		}
		a := release.Approval{UserID: user, UserName: user, Decision: "approve", At: at(i)}
		r.Approvals = append(r.Approvals, a)
		if len(r.Approvals) >= r.ApprovalsRequired {
			r.Status = release.StatusApproved
		}
		ev := event(i*1000+attempt, "Approve", id)
		err = s.UpdateRelease(ctx, r, release.Edit{Decision: &a, Events: []*audit.Event{ev}})
		if !errors.Is(err, release.ErrStale) {
			return err
		}
	}
	return fmt.Errorf("%s: still stale after 100 attempts", user)
}

// testReleaseSettings: the account settings of releases and dynamic keys
// round-trip; 0 (never set) reads as 0 and means the default.
func testReleaseSettings(t *testing.T, s server.Store) {
	ctx := t.Context()
	set, err := s.Settings(ctx)
	must(t, err)
	if set.ReleaseApprovals != 0 || set.RotationSeconds != 0 {
		t.Fatalf("settings never set: %+v", set)
	}
	if d := set.WithDefaults(); d.ReleaseApprovals != auth.DefaultReleaseApprovals || set.RotationInterval() != auth.DefaultRotation {
		t.Fatalf("defaults: %+v", d)
	}
	want := auth.Settings{TeamsEnabled: true, ReleaseApprovals: 3, RotationSeconds: 120, UpdatedAt: at(5)}
	got, err := s.UpdateSettings(ctx, auth.SettingsUpdate{TeamsEnabled: ptr(true), ReleaseApprovals: ptr(3), RotationSeconds: ptr(120)},
		at(5), event(1, "Update", "account"))
	must(t, err)
	same(t, "settings returned", got, want)
	set, err = s.Settings(ctx)
	must(t, err)
	same(t, "settings", set, want)
}

// testReleaseJournalReserve: a journal entry's reservation takes budget in
// the records' transaction only while the release is approved with the
// signing time in its window; otherwise nothing of the batch is written.
func testReleaseJournalReserve(t *testing.T, s server.Store) {
	ctx := t.Context()
	r := newRelease("rel-j", "kp-j")
	r.Status, r.MaxSignatures = release.StatusApproved, 3
	must(t, s.CreateRelease(ctx, r, event(1, "Request", r.ID)))
	rev := int64(0)
	write := func(i, n int, when time.Time) error {
		return s.WriteBatch(ctx, []journal.Entry{{Events: []*audit.Event{event(100+i, "Sign", r.ID)},
			Reserve: &journal.Reservation{ReleaseID: r.ID, N: n, At: when, Revision: rev}}})
	}
	must(t, write(1, 1, at(10)))
	// An edit voids reservations authorized before it.
	got, err := s.GetRelease(ctx, r.ID)
	must(t, err)
	rev = got.Revision
	edited := *got
	edited.Note = "edited"
	must(t, s.UpdateRelease(ctx, &edited, release.Edit{Events: []*audit.Event{event(2, "Update", r.ID)}}))
	wantErr(t, "edited meanwhile", write(7, 1, at(10)), journal.ErrReleaseChanged)
	rev++
	must(t, write(8, 1, at(10)))
	wantErr(t, "over the budget", write(2, 2, at(11)), journal.ErrBudgetExhausted)
	wantErr(t, "after the window", write(3, 1, at(3600)), journal.ErrReleaseChanged)
	wantErr(t, "before the window", write(4, 1, at(-1)), journal.ErrReleaseChanged)
	got, err = s.GetRelease(ctx, r.ID)
	must(t, err)
	closed := *got
	closed.Status = release.StatusClosed
	must(t, s.UpdateRelease(ctx, &closed, release.Edit{Events: []*audit.Event{event(5, "Close", r.ID)}}))
	wantErr(t, "closed meanwhile", write(6, 1, at(12)), journal.ErrReleaseChanged)
	got, err = s.GetRelease(ctx, r.ID)
	must(t, err)
	if got.Used != 2 {
		t.Fatalf("used %d, want 2: only the first reservation may count", got.Used)
	}
	if n := auditCount(t, s); n != 5 {
		t.Fatalf("%d audit records, want 5 (request, two signing batches, edit, close)", n)
	}
}

// testReleaseFinishedEdit: a release whose window has ended no longer holds
// its keypairs: once one has moved into a new live release, the finished
// release's name and note can still be edited (it does not take the
// keypair back), and the keypair stays in the new release.
func testReleaseFinishedEdit(t *testing.T, s server.Store) {
	ctx := t.Context()
	old := newRelease("rel-old", "kp-moved")
	old.Status, old.End = release.StatusApproved, at(10)
	must(t, s.CreateRelease(ctx, old, nil))
	next := newRelease("rel-next", "kp-moved")
	next.Start, next.End, next.CreatedAt, next.UpdatedAt = at(20), at(3600), at(20), at(20)
	must(t, s.CreateRelease(ctx, next, nil))

	got, err := s.GetRelease(ctx, old.ID)
	must(t, err)
	got.Name, got.Note, got.UpdatedAt = "renamed", "after the fact", at(30)
	must(t, s.UpdateRelease(ctx, got, release.Edit{}))
	live, err := s.LiveReleaseFor(ctx, "kp-moved", at(30))
	must(t, err)
	same(t, "live release of the moved keypair", live.ID, next.ID)

	// Moving the end of a finished release into the future makes it live
	// again, which the keypair's other live release forbids.
	got, err = s.GetRelease(ctx, old.ID)
	must(t, err)
	got.End, got.UpdatedAt = at(7200), at(31)
	wantErr(t, "reopening a release whose keypair moved on", s.UpdateRelease(ctx, got, release.Edit{}), errConflict)
}

// testReleaseClaimOrder: two releases claiming the same keypairs, listed in
// opposite orders, at once: one gets them and the other store.ErrConflict,
// never a deadlock (PostgreSQL) or another error.
func testReleaseClaimOrder(t *testing.T, s server.Store) {
	ctx := t.Context()
	for i := range 20 {
		a, b := fmt.Sprintf("kp-a%02d", i), fmt.Sprintf("kp-b%02d", i)
		rs := []*release.Release{newRelease(fmt.Sprintf("rel-x%02d", i), a, b), newRelease(fmt.Sprintf("rel-y%02d", i), b, a)}
		var wg sync.WaitGroup
		errs := make([]error, len(rs))
		for j, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[j] = s.CreateRelease(ctx, r, event(1000*i+j, "Request", r.ID))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, errConflict):
				t.Fatalf("round %d: %v, want nil or store.ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d releases got the keypairs (%v), want 1", i, won, errs)
		}
	}
}
