package api_test

import (
	"maps"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestSettingsConcurrentPatch: two Leads change different settings at the
// same time, round after round; each PATCH changes only the field it
// names, so neither change is lost, on either store.
func TestSettingsConcurrentPatch(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		other := env.NewUser(t, "lead2", "lead")
		const rounds = 40
		for i := range rounds {
			teams, approvals := i%2 == 0, 1+i%5
			var wg sync.WaitGroup
			start := make(chan struct{})
			patch := func(u *servertest.User, body map[string]any) {
				defer wg.Done()
				<-start
				env.MustDo(t, u, "PATCH", "/api/v1/settings", body, 200)
			}
			wg.Add(2)
			go patch(env.Lead, map[string]any{"teams_enabled": teams})
			go patch(other, map[string]any{"release_approvals": approvals})
			close(start)
			wg.Wait()
			var got auth.Settings
			env.MustDo(t, env.Lead, "GET", "/api/v1/settings", nil, 200).JSON(t, &got)
			if got.TeamsEnabled != teams || got.ReleaseApprovals != approvals {
				t.Fatalf("round %d: teams_enabled %v, release_approvals %d; want %v, %d (a concurrent change was lost)",
					i, got.TeamsEnabled, got.ReleaseApprovals, teams, approvals)
			}
		}
	})
}

// TestSettingsPatchKeepsOthers: a PATCH leaves the settings it does not
// name as they were, and answers with the settings as they then are.
func TestSettingsPatchKeepsOthers(t *testing.T) {
	env := servertest.Start(t)
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings",
		map[string]any{"require_2fa": true, "rotation_interval_seconds": 120}, 200)
	var got auth.Settings
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"release_approvals": 3}, 200).JSON(t, &got)
	if !got.Require2FA || got.RotationSeconds != 120 || got.ReleaseApprovals != 3 || got.TeamsEnabled {
		t.Fatalf("after two PATCHes: %+v", got)
	}
	var read auth.Settings
	env.MustDo(t, env.Lead, "GET", "/api/v1/settings", nil, 200).JSON(t, &read)
	if read != got {
		t.Fatalf("GET %+v, PATCH answered %+v", read, got)
	}
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"release_approvals": 0}, 400)

	// The audit record names what each change set, and nothing else.
	var ev struct {
		Events []struct{ Details map[string]string }
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/audit?type=Settings&action=Update&result=allowed", nil, 200).JSON(t, &ev)
	want := []map[string]string{{"require_2fa": "true", "rotation_interval_seconds": "120"}, {"release_approvals": "3"}}
	if len(ev.Events) != len(want) {
		t.Fatalf("%d settings changes audited, want %d", len(ev.Events), len(want))
	}
	for i, e := range ev.Events {
		if !maps.Equal(e.Details, want[i]) {
			t.Errorf("audit record %d details %v, want %v", i, e.Details, want[i])
		}
	}
}
