package release

import (
	"context"
	"fmt"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
)

// system is the actor of moves made by time.
var system = policy.Principal{UserID: "system", Name: "signetd"}

// Tick audits every status move that time has made since the last tick
// (not_started → in_progress → completed; pending → failed). Each move is
// recorded once even with several nodes ticking: the phase column moves
// with a conditional update in the same transaction as its audit event.
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	after := ""
	for {
		rs, err := s.Store.ListReleases(ctx, Filter{After: after, Limit: 500})
		if err != nil {
			return err
		}
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		phases, err := s.Store.PhasesOf(ctx, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if phase, ok := phases[r.ID]; ok {
				if err := s.advance(ctx, r, phase, now); err != nil {
					return err
				}
			}
		}
		if len(rs) < 500 {
			return nil
		}
		after = rs[len(rs)-1].ID
	}
}

// advance records the move from phase, read with the page, to r's
// effective status; the conditional update makes a stale read a no-op.
func (s *Service) advance(ctx context.Context, r *Release, phase string, now time.Time) error {
	eff := r.Effective(now)
	if phase == eff {
		return nil
	}
	ev := guard.NewEvent(ctx, now, system, guard.Target{Type: "Release", Action: "Status", ID: r.ID, Name: r.Name}, audit.Allowed, "")
	ev.Details = map[string]string{"from": phase, "to": eff}
	if _, err := s.Store.AdvancePhase(ctx, r.ID, phase, eff, ev); err != nil {
		return fmt.Errorf("release %s: %w", r.ID, err)
	}
	return nil
}
