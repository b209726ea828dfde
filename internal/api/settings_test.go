package api_test

import (
	"maps"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/ca"
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
			teams, approvals, requireProfile := i%2 == 0, 1+i%5, i%3 == 0
			var wg sync.WaitGroup
			start := make(chan struct{})
			patch := func(u *servertest.User, body map[string]any) {
				defer wg.Done()
				<-start
				env.MustDo(t, u, "PATCH", "/api/v1/settings", body, 200)
			}
			wg.Add(3)
			go patch(env.Lead, map[string]any{"teams_enabled": teams})
			go patch(other, map[string]any{"release_approvals": approvals})
			go patch(other, map[string]any{"require_keypair_profile": requireProfile})
			close(start)
			wg.Wait()
			var got auth.Settings
			env.MustDo(t, env.Lead, "GET", "/api/v1/settings", nil, 200).JSON(t, &got)
			if got.TeamsEnabled != teams || got.ReleaseApprovals != approvals || got.RequireKeypairProfile != requireProfile {
				t.Fatalf("round %d: teams_enabled %v, release_approvals %d, require_keypair_profile %v; want %v, %d, %v (a concurrent change was lost)",
					i, got.TeamsEnabled, got.ReleaseApprovals, got.RequireKeypairProfile, teams, approvals, requireProfile)
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

// TestSettingsRequireKeypairProfile: require_keypair_profile is an account
// setting like the others: read and changed through /api/v1/settings by a
// Lead only, audited with what it set, and the same setting as the one of
// /api/v1/settings/profiles, which keeps working; keypair generation
// obeys it whichever way it was set.
func TestSettingsRequireKeypairProfile(t *testing.T) {
	env := servertest.Start(t)
	dev := env.NewUser(t, "dev", "developer")
	var got auth.Settings
	env.MustDo(t, dev, "GET", "/api/v1/settings", nil, 200).JSON(t, &got)
	if got.RequireKeypairProfile {
		t.Fatalf("require_keypair_profile on by default: %+v", got)
	}
	if r := env.Do(t, dev, "PATCH", "/api/v1/settings", map[string]any{"require_keypair_profile": true}); r.Status != 403 {
		t.Fatalf("a developer changed require_keypair_profile: %s", r)
	}

	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"require_keypair_profile": true}, 200).JSON(t, &got)
	if !got.RequireKeypairProfile || got.ReleaseApprovals != 1 || got.Require2FA {
		t.Fatalf("PATCH require_keypair_profile answered %+v", got)
	}
	var prof ca.Settings
	env.MustDo(t, env.Lead, "GET", "/api/v1/settings/profiles", nil, 200).JSON(t, &prof)
	if !prof.RequireKeypairProfile || !prof.UpdatedAt.Equal(got.UpdatedAt) {
		t.Fatalf("GET /api/v1/settings/profiles after the PATCH: %+v, want it on at %v", prof, got.UpdatedAt)
	}
	if r := env.Do(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "free", "algorithm": "ecdsa"}); r.Code() != "profile_required" {
		t.Fatalf("no profile while the settings require one: %s", r)
	}

	// The profile settings' own endpoint changes the same setting.
	env.MustDo(t, env.Lead, "PUT", "/api/v1/settings/profiles", map[string]any{"require_keypair_profile": false}, 200).JSON(t, &prof)
	env.MustDo(t, dev, "GET", "/api/v1/settings", nil, 200).JSON(t, &got)
	if got.RequireKeypairProfile || !got.UpdatedAt.Equal(prof.UpdatedAt) {
		t.Fatalf("GET /api/v1/settings after PUT /api/v1/settings/profiles: %+v, want it off at %v", got, prof.UpdatedAt)
	}
	env.MustDo(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "free", "algorithm": "ecdsa"}, 201)
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"require_keypair_profile": false, "teams_enabled": true}, 200)

	var ev struct {
		Events []struct {
			ResourceName string `json:"resource_name"`
			Details      map[string]string
		}
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/audit?type=Settings&action=Update&result=allowed", nil, 200).JSON(t, &ev)
	want := []struct {
		name    string
		details map[string]string
	}{
		{"account", map[string]string{"require_keypair_profile": "true"}},
		{"profiles", map[string]string{"require_keypair_profile": "false"}},
		{"account", map[string]string{"require_keypair_profile": "false", "teams_enabled": "true"}},
	}
	if len(ev.Events) != len(want) {
		t.Fatalf("%d settings changes audited, want %d: %+v", len(ev.Events), len(want), ev.Events)
	}
	for i, e := range ev.Events {
		if e.ResourceName != want[i].name || !maps.Equal(e.Details, want[i].details) {
			t.Errorf("audit record %d: %s %v, want %s %v", i, e.ResourceName, e.Details, want[i].name, want[i].details)
		}
	}
}
