package api_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
)

// cell is one request of the authorization table, kept so that the audit
// records it left can be found: a caller sends its cells one after the
// other, so the records of a cell are those of its caller stamped from
// the cell's start until the next cell's start.
type cell struct {
	name    string
	start   time.Time // before the request was sent, truncated like audit times
	refused bool      // answered 401 or 403
	message string    // the refusal's message
}

// checkAudit reads the denied records of user once and checks that each
// refused cell left exactly one, whose reason is the answer's message, and
// that no other cell left any.
func (f *fixture) checkAudit(t *testing.T, user string, cells []cell) {
	if len(cells) == 0 {
		return
	}
	got := make([][]*audit.Event, len(cells))
	flt := audit.Filter{ActorID: user, Result: audit.Denied, Limit: 1000}
	for {
		page, err := f.env.Store.ListAudit(context.Background(), flt)
		if err != nil {
			t.Errorf("reading the audit log: %v", err)
			return
		}
		for _, ev := range page {
			// The last cell that started at or before the record.
			i := sort.Search(len(cells), func(i int) bool { return cells[i].start.After(ev.Time) }) - 1
			if i < 0 {
				t.Errorf("a denied record of %s before the table ran: %s %s: %s", user, ev.Type, ev.Action, ev.Reason)
				continue
			}
			got[i] = append(got[i], ev)
		}
		if len(page) < flt.Limit {
			break
		}
		flt.AfterSeq = page[len(page)-1].Seq
	}
	for i, c := range cells {
		evs := got[i]
		switch {
		case !c.refused && len(evs) > 0:
			t.Errorf("%s: not refused, but %d denied audit records (first: %s %s: %s)", c.name, len(evs), evs[0].Type, evs[0].Action, evs[0].Reason)
		case c.refused && len(evs) != 1:
			t.Errorf("%s: refused (%s) with %d denied audit records, want 1", c.name, c.message, len(evs))
		case c.refused && evs[0].Reason != c.message:
			t.Errorf("%s: the denied audit record says %q, the answer %q", c.name, evs[0].Reason, c.message)
		}
	}
}
