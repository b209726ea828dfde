package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
)

// testChainContinuity interleaves every kind of audited mutation with
// journal batches and checks one gapless chain whose records are the
// callers' events, in order.
func testChainContinuity(t *testing.T, s server.Store) {
	ctx := t.Context()
	var evs []*audit.Event
	ev := func(action string) *audit.Event {
		e := event(len(evs), action, "r")
		evs = append(evs, e)
		return e
	}
	kp := newKeypair(1, "k")
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), ev("CreateUser")))
	must(t, s.CreateKeypair(ctx, kp, ev("Generate")))
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: []*audit.Event{ev("Sign"), ev("Sign")}}, {Events: []*audit.Event{ev("Sign")}}}))
	must(t, s.SetKeypairState(ctx, kp.ID, keypair.StateSuspended, at(3), ev("Suspend")))
	must(t, s.CreateToken(ctx, newToken("t1", "u-alice", "sgn_secret-one"), ev("CreateToken")))
	must(t, s.RevokeToken(ctx, "t1", at(4), ev("Revoke")))
	fp := []byte("0123456789abcdef0123456789abcdef")
	cert := &auth.ClientCert{ID: "c1", UserID: "u-alice", Serial: "01", Fingerprint: fp, NotAfter: at(9), CreatedAt: at(5)}
	must(t, s.CreateClientCert(ctx, cert, ev("CreateCert")))
	must(t, s.RevokeClientCert(ctx, "c1", at(5), ev("RevokeCert")))
	must(t, s.DestroyKeypair(ctx, kp.ID, kp.Generation, kp.Handle, at(6), ev("Delete")))
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: []*audit.Event{ev("Sign")}}}))

	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d (%s) got seq %d, want %d", i, e.Action, e.Seq, i+1)
		}
	}
	var walked []*audit.Event
	must(t, s.WalkAudit(ctx, func(e *audit.Event) error { walked = append(walked, e); return nil }))
	same(t, "chain", walked, evs)
	if n := auditCount(t, s); n != int64(len(evs)) {
		t.Fatalf("audit records: %d, want %d", n, len(evs))
	}
}

// testFailedMutationNotAudited checks that a mutation that fails leaves no
// audit record, and that the chain is intact after it.
func testFailedMutationNotAudited(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateKeypair(ctx, newKeypair(1, "k"), event(1, "Generate", "kp-0001")))
	_ = s.SetKeypairState(ctx, "missing", keypair.StateSuspended, at(2), event(2, "Suspend", "missing"))
	_ = s.DestroyKeypair(ctx, "missing", 1, keys.Handle{}, at(2), event(3, "Delete", "missing"))
	_ = s.RevokeToken(ctx, "missing", at(2), event(4, "Revoke", "missing"))
	_ = s.CreateUser(ctx, newUser("u-1", "a"), event(5, "Create", "u-1"))
	_ = s.CreateUser(ctx, newUser("u-2", "a"), event(6, "Create", "u-2")) // name taken
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("audit records: %d, want 2", n)
	}
}

// testConcurrentWriters runs 8 writers of 50 batches each, alongside
// audited mutations, and checks one valid chain holding every record.
func testConcurrentWriters(t *testing.T, s server.Store) {
	ctx := t.Context()
	const writers, batches = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				i := (w*batches + b) * 2
				if err := s.WriteBatch(ctx, []journal.Entry{entry(i), entry(i + 1)}); err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			kp := newKeypair(i, fmt.Sprintf("k-%d", i))
			if err := s.CreateKeypair(ctx, kp, event(i, "Generate", kp.ID)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, want := auditCount(t, s), int64(writers*batches*2+20); n != want {
		t.Fatalf("audit records: %d, want %d", n, want)
	}
}

// tamperSetup writes 10 audit records.
func tamperSetup(t *testing.T, s server.Store) {
	t.Helper()
	var batch []journal.Entry
	for i := range 10 {
		batch = append(batch, journal.Entry{Events: []*audit.Event{event(i, "Sign", "kp-1")}})
	}
	must(t, s.WriteBatch(t.Context(), batch))
	if n := auditCount(t, s); n != 10 {
		t.Fatalf("audit records: %d, want 10", n)
	}
}

// wantBroken checks that Verify names record seq.
func wantBroken(t *testing.T, s server.Store, seq int64) {
	t.Helper()
	_, err := audit.Verify(t.Context(), s)
	var be *audit.BrokenError
	if !errors.As(err, &be) {
		t.Fatalf("Verify after tampering: got %v, want an *audit.BrokenError", err)
	}
	if be.Seq != seq {
		t.Fatalf("Verify names seq %d (%v), want %d", be.Seq, be, seq)
	}
}

func testTamperEdit(t *testing.T, s server.Store) {
	tamperSetup(t, s)
	db := rawSQL(t, s)
	if _, err := db.ExecContext(t.Context(), `UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 4`); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 4)
}

func testTamperDelete(t *testing.T, s server.Store) {
	tamperSetup(t, s)
	db := rawSQL(t, s)
	if _, err := db.ExecContext(t.Context(), `DELETE FROM audit_events WHERE seq = 6`); err != nil {
		t.Fatal(err)
	}
	wantBroken(t, s, 7)
}
