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
		for _, r := range rs {
			if err := s.advance(ctx, r, now); err != nil {
				return err
			}
		}
		if len(rs) < 500 {
			return nil
		}
		after = rs[len(rs)-1].ID
	}
}

func (s *Service) advance(ctx context.Context, r *Release, now time.Time) error {
	eff := r.Effective(now)
	phase, err := s.Store.Phase(ctx, r.ID)
	if err != nil || phase == eff {
		return err
	}
	ev := guard.NewEvent(ctx, now, system, guard.Target{Type: "Release", Action: "Status", ID: r.ID, Name: r.Name}, audit.Allowed, "")
	ev.Details = map[string]string{"from": phase, "to": eff}
	if _, err := s.Store.AdvancePhase(ctx, r.ID, phase, eff, ev); err != nil {
		return fmt.Errorf("release %s: %w", r.ID, err)
	}
	return nil
}
