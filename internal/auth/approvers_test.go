package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestApprovers: approval requests go to those policy lets approve: not the
// requester, not a user without release.approve, not a disabled user, and
// with teams on, only approvers of the release's team.
func TestApprovers(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		ctx := context.Background()
		tl := env.NewUser(t, "tl", "team_lead")
		env.NewUser(t, "dev", "developer")
		gone := env.NewUser(t, "gone", "lead")
		env.MustDo(t, env.Lead, "POST", "/api/v1/users/gone/disable", nil, 200)
		names := func(team, requester string) []string {
			us, err := auth.Approvers(ctx, env.Store, team, requester, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range us {
				out = append(out, u.Name)
			}
			slices.Sort(out)
			return out
		}
		if got := names("", env.Lead.ID); !slices.Equal(got, []string{"tl"}) {
			t.Errorf("approvers of the lead's request: %v, want [tl]", got)
		}
		if got := names("", tl.ID); !slices.Contains(got, env.Lead.Name) || slices.Contains(got, "tl") || slices.Contains(got, gone.Name) {
			t.Errorf("approvers of tl's request: %v", got)
		}
		// Teams on: a team lead approves in its own team only; a Lead everywhere.
		env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
		env.MustDo(t, env.Lead, "POST", "/api/v1/teams", map[string]any{"name": "blue"}, 201)
		env.MustDo(t, env.Lead, "POST", "/api/v1/teams", map[string]any{"name": "red"}, 201)
		env.MustDo(t, env.Lead, "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": "tl", "roles": []string{"team_lead"}}, 200)
		if got := names("blue", "nobody"); !slices.Contains(got, "tl") || !slices.Contains(got, env.Lead.Name) {
			t.Errorf("approvers in blue: %v", got)
		}
		if got := names("red", "nobody"); slices.Contains(got, "tl") {
			t.Errorf("approvers in red: %v, want no tl", got)
		}
	})
}
