package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server"
)

func testAuditRoundTrip(t *testing.T, s server.Store) {
	ctx := t.Context()
	full := event(1, "Sign", "kp-1")
	bare := &audit.Event{ID: "ev-bare", Time: at(2), Type: "Token", Action: "Revoke", Result: audit.Denied}
	empty := &audit.Event{ID: "ev-empty", Time: at(3), Action: "Sign", Details: map[string]string{}}
	ns := event(4, "Sign", "kp-1")
	ns.Time = ns.Time.Add(999) // sub-microsecond part: not kept, not hashed
	auto := &audit.Event{Action: "Sign"}
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: []*audit.Event{full, bare, empty, ns, auto}}}))
	if auto.ID == "" || auto.Time.IsZero() {
		t.Fatalf("WriteBatch did not fill the event id and time: %+v", auto)
	}
	ns.Time = ns.Time.Truncate(1000)

	got, err := s.ListAudit(ctx, audit.Filter{})
	must(t, err)
	same(t, "audit events", got, []*audit.Event{full, bare, empty, ns, auto})
	for i, e := range got {
		if e.Seq != int64(i+1) || len(e.Hash) != 32 {
			t.Fatalf("event %d: seq %d, hash %x", i, e.Seq, e.Hash)
		}
	}
	if n := auditCount(t, s); n != 5 {
		t.Fatalf("audit records: %d, want 5", n)
	}
}

func testAuditList(t *testing.T, s server.Store) {
	ctx := t.Context()
	var all []*audit.Event
	for i := range 30 {
		e := event(i, []string{"Sign", "Generate", "Revoke"}[i%3], fmt.Sprintf("r-%d", i%4))
		if i%2 == 1 {
			e.ActorID, e.Type, e.Result = "u-bob", "Token", audit.Denied
		}
		all = append(all, e)
	}
	// Spread over several batches and mutations.
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: all[:10]}}))
	must(t, s.CreateUser(ctx, newUser("u-x", "x"), all[10]))
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: all[11:20]}, {Events: all[20:]}}))

	match := func(f func(*audit.Event) bool) []*audit.Event {
		var out []*audit.Event
		for _, e := range all {
			if f(e) {
				out = append(out, e)
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    audit.Filter
		want []*audit.Event
	}{
		{"all", audit.Filter{}, all},
		{"from", audit.Filter{From: at(25)}, all[25:]},
		{"to", audit.Filter{To: at(3)}, all[:3]},
		{"from to", audit.Filter{From: at(10), To: at(12)}, all[10:12]},
		{"actor", audit.Filter{ActorID: "u-bob"}, match(func(e *audit.Event) bool { return e.ActorID == "u-bob" })},
		{"action", audit.Filter{Action: "Revoke"}, match(func(e *audit.Event) bool { return e.Action == "Revoke" })},
		{"type", audit.Filter{Type: "Keypair"}, match(func(e *audit.Event) bool { return e.Type == "Keypair" })},
		{"resource", audit.Filter{ResourceID: "r-2"}, match(func(e *audit.Event) bool { return e.ResourceID == "r-2" })},
		{"result", audit.Filter{Result: audit.Denied}, match(func(e *audit.Event) bool { return e.Result == audit.Denied })},
		{"combined", audit.Filter{Action: "Sign", Result: audit.Allowed, To: at(20)},
			match(func(e *audit.Event) bool {
				return e.Action == "Sign" && e.Result == audit.Allowed && e.Time.Before(at(20))
			})},
		{"after seq", audit.Filter{AfterSeq: 27}, all[27:]},
		{"after seq and limit", audit.Filter{AfterSeq: 5, Limit: 4}, all[5:9]},
		{"none", audit.Filter{ActorID: "u-nobody"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListAudit(ctx, c.f)
			must(t, err)
			same(t, "ListAudit", got, c.want)
		})
	}
}

func testAuditWalk(t *testing.T, s server.Store) {
	ctx := t.Context()
	// More than one page of the store's walk, in one batch and several.
	evs := make([]*audit.Event, 1234)
	for i := range evs {
		evs[i] = event(i, "Sign", "kp-1")
	}
	must(t, s.WriteBatch(ctx, []journal.Entry{{Events: evs[:1000]}}))
	for i := 1000; i < len(evs); i += 100 {
		must(t, s.WriteBatch(ctx, []journal.Entry{{Events: evs[i:min(i+100, len(evs))]}}))
	}
	var seen []*audit.Event
	must(t, s.WalkAudit(ctx, func(e *audit.Event) error { seen = append(seen, e); return nil }))
	same(t, "walked events", seen, evs)

	stop := errors.New("stop")
	n := 0
	err := s.WalkAudit(ctx, func(*audit.Event) error {
		if n++; n == 700 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 700 {
		t.Fatalf("WalkAudit after fn failed at 700: err %v after %d calls", err, n)
	}
	rep, err := audit.Verify(ctx, s)
	must(t, err)
	if rep.Records != int64(len(evs)) || string(rep.Head) != string(evs[len(evs)-1].Hash) {
		t.Fatalf("Verify: %d records, head %x; want %d, %x", rep.Records, rep.Head, len(evs), evs[len(evs)-1].Hash)
	}
}
