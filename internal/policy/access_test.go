package policy

import (
	"strings"
	"testing"
)

// code runs Authorize and returns "" for allowed, else the denial code.
func code(p Principal, req Request) string {
	d := Authorize(p, req, now)
	if d.Allow {
		return ""
	}
	if d.Reason == "" {
		return "denied without a reason"
	}
	return d.Code
}

func TestKeypairAccess(t *testing.T) {
	open := &Keypair{ID: "k", State: "active", Status: "online", Access: "open"}
	restricted := func(users, groups []string) *Keypair {
		return &Keypair{ID: "k", State: "active", Status: "online", Access: "restricted", AllowedUsers: users, AllowedGroups: groups}
	}
	dev := Principal{UserID: "dev", Name: "dev", Roles: []string{RoleDeveloper}, Groups: []string{"builders"}, SecondFactor: true}
	signer := Principal{UserID: "sig", Name: "sig", Roles: []string{RoleSigner}, Groups: []string{"signers"}, SecondFactor: true}
	lead := Principal{UserID: "lead", Name: "lead", Roles: []string{RoleLead}, SecondFactor: true}
	build := Principal{UserID: "be", Name: "be", Roles: []string{RoleBuildEngineer}, SecondFactor: true}
	nobody := Principal{UserID: "n", Name: "n", Roles: []string{"own-credentials"}, SecondFactor: true,
		Custom: map[string]Role{"own-credentials": {Name: "own-credentials", Scope: ScopeAccount, Permissions: []Action{CredentialsManageOwn}}}}
	noCert := func(p Principal) Principal { p.SecondFactor = false; return p }
	tests := []struct {
		name string
		p    Principal
		act  Action
		kp   *Keypair
		code string // "" = allowed
	}{
		{"open keypair", dev, Sign, open, ""},
		{"restricted, user allowed", dev, Sign, restricted([]string{"dev"}, nil), ""},
		{"restricted, group allowed", dev, Sign, restricted(nil, []string{"builders"}), ""},
		{"restricted, not allowed", dev, Sign, restricted([]string{"other"}, []string{"ops"}), "keypair_access_denied"},
		{"restricted, not allowed: no certificate either", dev, CertGenerate, restricted([]string{"other"}, nil), "keypair_access_denied"},
		{"restricted, not allowed, but only viewed", dev, KeypairView, restricted([]string{"other"}, nil), ""},
		{"restricted, lead not allowed", lead, Sign, restricted([]string{"other"}, nil), "keypair_access_denied"},
		{"restricted, lead manages it anyway", lead, KeypairManage, restricted([]string{"other"}, nil), ""},
		{"signer, open but unassigned", signer, Sign, open, "keypair_not_assigned"},
		{"signer, assigned", signer, Sign, restricted([]string{"sig"}, nil), ""},
		{"signer, assigned through a group", signer, Sign, restricted(nil, []string{"signers"}), ""},
		{"signer, restricted to others", signer, Sign, restricted([]string{"other"}, nil), "keypair_access_denied"},
		{"suspended", dev, Sign, &Keypair{State: "suspended", Status: "online", Access: "open"}, "keypair_suspended"},
		{"destroyed", dev, Sign, &Keypair{State: "destroyed", Status: "online", Access: "open"}, "keypair_destroyed"},
		{"offline", dev, Sign, &Keypair{State: "active", Status: "offline", Access: "open"}, "keypair_offline"},
		// Without keypair.view, a keypair the caller may sign with is seen
		// (signing tools need its public key and certificate), whatever its
		// state, status or window, and with the API token alone.
		{"build engineer lists", build, KeypairView, nil, ""},
		{"build engineer sees an open keypair", build, KeypairView, open, ""},
		{"build engineer sees one without the second factor", noCert(build), KeypairView, open, ""},
		{"build engineer sees a suspended one", build, KeypairView, &Keypair{State: "suspended", Status: "online", Access: "open"}, ""},
		{"build engineer sees an offline one", build, KeypairView, &Keypair{State: "active", Status: "offline", Access: "open"}, ""},
		{"build engineer sees a restricted one allowed to him", build, KeypairView, restricted([]string{"be"}, nil), ""},
		{"build engineer does not see a restricted one", build, KeypairView, restricted([]string{"other"}, nil), "permission_denied"},
		{"build engineer sees no certificate list", build, CertView, open, "permission_denied"},
		{"no sign, no view: no listing", nobody, KeypairView, nil, "permission_denied"},
		{"no sign, no view: no keypair", nobody, KeypairView, open, "permission_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(tt.p, Request{Action: tt.act, Keypair: tt.kp}); got != tt.code {
				t.Fatalf("got %q, want %q", got, tt.code)
			}
		})
	}
}

func TestTeams(t *testing.T) {
	in := func(team string) *Keypair {
		return &Keypair{ID: "k", State: "active", Status: "online", Access: "open", Team: team}
	}
	member := func(roles []string, teams map[string][]string) Principal {
		return Principal{UserID: "u", Name: "u", Roles: roles, Teams: teams, TeamsOn: true, SecondFactor: true}
	}
	blue := map[string][]string{"blue": nil}
	teamLead := member([]string{RoleTeamLead}, blue)
	dev := member([]string{RoleDeveloper}, blue)
	lead := member([]string{RoleLead}, nil)
	blueDev := member(nil, map[string][]string{"blue": {RoleDeveloper}}) // developer inside blue only
	blueBuild := member([]string{RoleBuildEngineer}, blue)
	inBlueBuild := member(nil, map[string][]string{"blue": {RoleBuildEngineer}})
	buildAndBlueDev := member([]string{RoleBuildEngineer}, map[string][]string{"blue": {RoleDeveloper}, "red": nil})
	off, offLead := dev, teamLead
	off.TeamsOn, offLead.TeamsOn = false, false
	tests := []struct {
		name string
		p    Principal
		req  Request
		code string
	}{
		{"team lead in own team", teamLead, Request{Action: KeypairManage, Keypair: in("blue")}, ""},
		{"team lead signs in own team", teamLead, Request{Action: Sign, Keypair: in("blue")}, ""},
		{"team lead in another team", teamLead, Request{Action: KeypairManage, Keypair: in("red")}, "team_access_denied"},
		{"team lead outside teams", teamLead, Request{Action: KeypairManage, Keypair: in("")}, "permission_denied"},
		{"team lead generates in own team", teamLead, Request{Action: KeypairGenerate, Team: "blue"}, ""},
		{"team lead generates outside teams", teamLead, Request{Action: KeypairGenerate}, "permission_denied"},
		{"team lead lists outside teams", teamLead, Request{Action: KeypairView}, ""},
		{"team lead approves in own team", teamLead, Request{Action: ReleaseApprove, Team: "blue"}, ""},
		{"team lead approves elsewhere", teamLead, Request{Action: ReleaseApprove, Team: "red"}, "team_access_denied"},
		{"team lead manages own team", teamLead, Request{Action: TeamManage, Team: "blue"}, ""},
		{"team lead creates a team", teamLead, Request{Action: TeamManage}, "permission_denied"},
		{"developer in own team", dev, Request{Action: Sign, Keypair: in("blue")}, ""},
		{"developer outside teams", dev, Request{Action: Sign, Keypair: in("")}, ""},
		{"developer in another team", dev, Request{Action: Sign, Keypair: in("red")}, "team_access_denied"},
		{"developer views another team's keypair", dev, Request{Action: KeypairView, Keypair: in("red")}, "team_access_denied"},
		{"lead in any team", lead, Request{Action: KeypairDelete, Keypair: in("red")}, ""},
		{"role held in a team acts there", blueDev, Request{Action: Sign, Keypair: in("blue")}, ""},
		{"role held in a team acts nowhere else", blueDev, Request{Action: Sign, Keypair: in("")}, "permission_denied"},
		{"role held in a team still lists", blueDev, Request{Action: KeypairView}, ""},
		{"teams off: team ignored", off, Request{Action: Sign, Keypair: in("red")}, ""},
		{"teams off: a team lead acts account-wide", offLead, Request{Action: ReleaseApprove}, ""},
		{"build engineer sees his team's keypair", blueBuild, Request{Action: KeypairView, Keypair: in("blue")}, ""},
		{"build engineer does not see another team's", blueBuild, Request{Action: KeypairView, Keypair: in("red")}, "permission_denied"},
		{"build engineer held in a team sees only there", inBlueBuild, Request{Action: KeypairView, Keypair: in("")}, "permission_denied"},
		{"build engineer held in a team lists", inBlueBuild, Request{Action: KeypairView}, ""},
		// keypair.view held in one team does not hide what the caller may
		// sign with in another.
		{"view in blue, sign in red: sees red's keypair", buildAndBlueDev, Request{Action: KeypairView, Keypair: in("red")}, ""},
		{"view in blue, sign in red: signs there", buildAndBlueDev, Request{Action: Sign, Keypair: in("red")}, ""},
		{"view in blue, no sign in green: refused as before", buildAndBlueDev, Request{Action: KeypairView, Keypair: in("green")}, "team_access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(tt.p, tt.req); got != tt.code {
				t.Fatalf("got %q, want %q (%s)", got, tt.code, Authorize(tt.p, tt.req, now).Reason)
			}
		})
	}
}

func TestCustomRoles(t *testing.T) {
	releaser := Role{Name: "releaser", Scope: ScopeAccount, Permissions: []Action{ReleaseRequest, ReleaseView, Sign}}
	teamSigner := Role{Name: "team-signer", Scope: ScopeTeam, Permissions: []Action{Sign}}
	custom := map[string]Role{"releaser": releaser, "team-signer": teamSigner}
	p := Principal{UserID: "u", Name: "u", Roles: []string{"releaser"}, Custom: custom, SecondFactor: true,
		TeamsOn: true, Teams: map[string][]string{"blue": {"team-signer"}}}
	kp := &Keypair{State: "active", Status: "online", Access: "open"}
	if c := code(p, Request{Action: ReleaseRequest}); c != "" {
		t.Errorf("custom role permission: %s", c)
	}
	if c := code(p, Request{Action: ReleaseApprove}); c != "permission_denied" {
		t.Errorf("permission outside the custom role: %q", c)
	}
	if c := code(p, Request{Action: Sign, Keypair: kp}); c != "" {
		t.Errorf("sign with custom role: %q", c)
	}
	unknown := Principal{UserID: "u", Name: "u", Roles: []string{"deleted-role"}, SecondFactor: true}
	if c := code(unknown, Request{Action: KeypairView}); c != "permission_denied" {
		t.Errorf("a role that no longer exists grants nothing: %q", c)
	}
	onlyTeam := Principal{UserID: "u", Name: "u", Roles: []string{"team-signer"}, Custom: custom, SecondFactor: true,
		TeamsOn: true, Teams: map[string][]string{"blue": nil}}
	if c := code(onlyTeam, Request{Action: Sign, Keypair: kp}); c != "permission_denied" {
		t.Errorf("team-scoped custom role outside teams: %q", c)
	}
	kp.Team = "blue"
	if c := code(onlyTeam, Request{Action: Sign, Keypair: kp}); c != "" {
		t.Errorf("team-scoped custom role inside its team: %q", c)
	}
}

func TestReleaseWindow(t *testing.T) {
	dev := Principal{UserID: "dev", Name: "dev", Roles: []string{RoleDeveloper}, SecondFactor: true}
	online := &Keypair{State: "active", Status: "online", Access: "open"}
	offline := &Keypair{State: "active", Status: "offline", Access: "open"}
	rel := func(status string, participant bool, remaining int) *Release {
		return &Release{ID: "r1", Status: status, Participant: participant, Remaining: remaining}
	}
	tests := []struct {
		name   string
		kp     *Keypair
		rel    *Release
		code   string // "" = allowed
		counts bool
	}{
		{"offline, no release", offline, nil, "keypair_offline", false},
		{"offline, pending release", offline, rel("pending", true, 5), "release_not_approved", false},
		{"offline, before the window", offline, rel("not_started", true, 5), "release_not_started", false},
		{"offline, after the window", offline, rel("completed", true, 5), "release_ended", false},
		{"offline, not a participant", offline, rel("in_progress", false, 5), "not_release_participant", false},
		{"offline, inside the window", offline, rel("in_progress", true, 5), "", true},
		{"offline, budget spent", offline, rel("in_progress", true, 0), "release_quota_exhausted", false},
		{"online, no release", online, nil, "", false},
		{"online, participant inside the window", online, rel("in_progress", true, 1), "", true},
		{"online, participant, budget spent", online, rel("in_progress", true, 0), "release_quota_exhausted", false},
		{"online, non-participant: not counted nor limited", online, rel("in_progress", false, 0), "", false},
		{"online, outside the window: not counted nor limited", online, rel("not_started", true, 0), "", false},
		{"online, pending release: not counted", online, rel("pending", true, 0), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(dev, Request{Action: Sign, Keypair: tt.kp, Release: tt.rel}, now)
			if (tt.code == "") != d.Allow || d.Code != tt.code || d.Counts != tt.counts {
				t.Fatalf("got %+v, want code %q counts %v", d, tt.code, tt.counts)
			}
		})
	}
}

// TestTeamManageTeamsOff: with teams off, team roles act account-wide, but
// team.manage (teams and their members, which act once teams are on) comes
// only from an account-wide role of scope account.
func TestTeamManageTeamsOff(t *testing.T) {
	teamManager := Role{Name: "team-manager", Scope: ScopeTeam, Permissions: []Action{TeamManage}}
	teamsAdmin := Role{Name: "teams-admin", Scope: ScopeAccount, Permissions: []Action{TeamManage}}
	custom := map[string]Role{"team-manager": teamManager, "teams-admin": teamsAdmin}
	p := func(role string, teamsOn bool) Principal {
		return Principal{UserID: "u", Name: "u", Roles: []string{role}, Custom: custom, TeamsOn: teamsOn,
			Teams: map[string][]string{"blue": nil}, SecondFactor: true}
	}
	tests := []struct {
		name string
		p    Principal
		req  Request
		code string
	}{
		{"teams off: team lead creates a team", p(RoleTeamLead, false), Request{Action: TeamManage}, "permission_denied"},
		{"teams off: team lead changes a team's members", p(RoleTeamLead, false), Request{Action: TeamManage, Team: "red"}, "permission_denied"},
		{"teams off: team lead changes its own team's members", p(RoleTeamLead, false), Request{Action: TeamManage, Team: "blue"}, "permission_denied"},
		{"teams off: team lead still approves", p(RoleTeamLead, false), Request{Action: ReleaseApprove}, ""},
		{"teams off: team-scope custom role", p("team-manager", false), Request{Action: TeamManage, Team: "blue"}, "permission_denied"},
		{"teams off: account-scope custom role", p("teams-admin", false), Request{Action: TeamManage, Team: "red"}, ""},
		{"teams off: lead", p(RoleLead, false), Request{Action: TeamManage}, ""},
		{"teams on: team lead in its team", p(RoleTeamLead, true), Request{Action: TeamManage, Team: "blue"}, ""},
		{"teams on: team lead elsewhere", p(RoleTeamLead, true), Request{Action: TeamManage, Team: "red"}, "team_access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(tt.p, tt.req, now)
			if got := code(tt.p, tt.req); got != tt.code {
				t.Fatalf("got %q, want %q (%s)", got, tt.code, d.Reason)
			}
			if tt.code == "permission_denied" && !strings.Contains(d.Reason, "team.manage") {
				t.Fatalf("the denial does not name team.manage: %q", d.Reason)
			}
		})
	}
}
