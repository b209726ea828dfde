package api_test

import (
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestTeamLeadTeamsOff: while teams are off, a Team lead (team_lead held
// account-wide) acts account-wide, but manages no team: making, deleting
// and changing the members of teams, which act once teams are on, is for
// an account-scope team.manage (a Lead). With teams on it manages its own.
func TestTeamLeadTeamsOff(t *testing.T) {
	env := servertest.Start(t)
	lead := env.Lead
	for _, team := range []string{"blue", "red"} {
		env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": team}, 201)
	}
	tl := env.NewUser(t, "tl-off", "team_lead")
	dev := env.NewUser(t, "dev-off", "developer")
	env.MustDo(t, lead, "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": tl.ID}, 200)
	env.MustDo(t, lead, "PUT", "/api/v1/teams/red/members", map[string]any{"kind": "user", "member": dev.ID}, 200)
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"create a team", "POST", "/api/v1/teams", map[string]any{"name": "green"}},
		{"add itself to another team", "PUT", "/api/v1/teams/red/members", map[string]any{"kind": "user", "member": tl.ID, "roles": []string{"team_lead"}}},
		{"add a member to its own team", "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": dev.ID}},
		{"remove a member", "DELETE", "/api/v1/teams/red/members/user/" + dev.ID, nil},
		{"delete a team", "DELETE", "/api/v1/teams/red", nil},
	} {
		if r := env.Do(t, tl, c.method, c.path, c.body); r.Status != 403 || r.Code() != "permission_denied" {
			t.Errorf("teams off, team lead: %s: %s", c.name, r)
		}
	}
	env.MustDo(t, lead, "PUT", "/api/v1/teams/red/members", map[string]any{"kind": "user", "member": lead.ID}, 200)

	env.MustDo(t, lead, "PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
	env.MustDo(t, tl, "PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "user", "member": dev.ID}, 200)
	if r := env.Do(t, tl, "PUT", "/api/v1/teams/red/members", map[string]any{"kind": "user", "member": tl.ID}); r.Status != 403 {
		t.Errorf("teams on, team lead in another team: %s", r)
	}
}
