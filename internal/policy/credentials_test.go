package policy

import (
	"strings"
	"testing"
	"time"
)

// TestIssueSecondFactor: a client certificate, the second factor, is made
// only by a caller who has it already or who signed in to the web console;
// an API token alone makes none, for anyone. Other credentials (tokens)
// need the first factor only.
func TestIssueSecondFactor(t *testing.T) {
	dev := Principal{UserID: "d", Name: "dev", Roles: []string{RoleDeveloper}}
	lead := Principal{UserID: "l", Name: "lead", Roles: []string{RoleLead}}
	bot := Principal{UserID: "b", Name: "bot", Roles: []string{RoleBuildEngineer}, Service: true, SecondFactor: true}
	with := func(p Principal, secondFactor, session bool) Principal {
		p.SecondFactor, p.WebSession = secondFactor, session
		return p
	}
	own := Request{Action: CredentialsManageOwn, IssuesSecondFactor: true}
	another := Request{Action: UserManage, IssuesSecondFactor: true, Subject: &Subject{Name: "user bot", Roles: []string{RoleBuildEngineer}}}
	tests := []struct {
		name string
		p    Principal
		req  Request
		code string
	}{
		{"own, token alone", dev, own, "second_factor_required"},
		{"own, token and client certificate", with(dev, true, false), own, ""},
		{"own, web session", with(dev, false, true), own, ""},
		{"own token, token alone", dev, Request{Action: CredentialsManageOwn}, ""},
		{"lead for another, token alone", lead, another, "second_factor_required"},
		{"lead for another, token and client certificate", with(lead, true, false), another, ""},
		{"lead for another, web session", with(lead, false, true), another, ""},
		{"lead, a token for another, token alone", lead, Request{Action: UserManage, Subject: another.Subject}, ""},
		{"developer for another, both factors", with(dev, true, false), another, "permission_denied"},
		{"service user, both factors", bot, own, "service_user_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(tt.p, tt.req, now)
			if got := code(tt.p, tt.req); got != tt.code {
				t.Fatalf("got %q, want %q (%s)", got, tt.code, d.Reason)
			}
			if tt.code == "second_factor_required" && (!strings.Contains(d.Reason, "client certificate") || !strings.Contains(d.Reason, "web console")) {
				t.Fatalf("the denial does not say how to get the factor: %q", d.Reason)
			}
		})
	}
}

// TestSubjectCover: acting as another user (its credentials, password,
// TOTP, enabling it) or putting someone in a group needs every permission
// that user or group holds, where it holds it.
func TestSubjectCover(t *testing.T) {
	userAdmin := Role{Name: "user-admin", Scope: ScopeAccount, Permissions: []Action{UserManage}}
	devAdmin := Role{Name: "dev-admin", Scope: ScopeAccount, Permissions: append([]Action{UserManage}, BuiltIn[RoleDeveloper].Permissions...)}
	custom := map[string]Role{"user-admin": userAdmin, "dev-admin": devAdmin}
	actor := func(role string, teams map[string][]string, teamsOn bool) Principal {
		return Principal{UserID: "a", Name: "admin", Roles: []string{role}, Custom: custom, Teams: teams, TeamsOn: teamsOn}
	}
	lead := actor(RoleLead, nil, true)
	ua := actor("user-admin", nil, true)
	da := actor("dev-admin", nil, true)
	daBlue := actor("dev-admin", map[string][]string{"blue": nil}, true)
	daOff := actor("dev-admin", nil, false)
	user := func(roles []string, teams map[string][]string) *Subject {
		return &Subject{Name: "user bob", Roles: roles, Teams: teams, Custom: custom}
	}
	onList := func(s *Subject, kp string, alsoAllowed []string) *Subject {
		s.Keypairs = append(s.Keypairs, Keypair{ID: kp, Access: "restricted", State: "active", AllowedUsers: append([]string{"bob"}, alsoAllowed...)})
		return s
	}
	tests := []struct {
		name    string
		p       Principal
		subject *Subject
		code    string
		reason  string // a part of the denial
	}{
		{"lead on a lead", lead, user([]string{RoleLead}, nil), "", ""},
		{"user manager on a lead", ua, user([]string{RoleLead}, nil), "permission_denied", "user bob holds permission"},
		{"user manager on a developer", ua, user([]string{RoleDeveloper}, nil), "permission_denied", "role developer account-wide"},
		{"user manager on a user without roles", ua, user(nil, nil), "", ""},
		{"user manager on a role that no longer exists", ua, user([]string{"deleted"}, nil), "", ""},
		{"user manager on another user manager", ua, user([]string{"user-admin"}, nil), "", ""},
		{"developer-and-users on a developer", da, user([]string{RoleDeveloper}, nil), "", ""},
		{"developer-and-users on a custom role holding more", da, user([]string{"user-admin", RoleBuildEngineer}, nil), "", ""},
		{"developer-and-users on a team lead", da, user([]string{RoleTeamLead}, nil), "permission_denied", "keypair."},
		{"a developer in a team the actor is not in", da, user(nil, map[string][]string{"blue": {RoleDeveloper}}), "permission_denied", "in team blue"},
		{"a developer in the actor's team", daBlue, user(nil, map[string][]string{"blue": {RoleDeveloper}}), "", ""},
		{"a lead in the actor's team", daBlue, user(nil, map[string][]string{"blue": {RoleLead}}), "permission_denied", "role lead in team blue"},
		{"teams off: a team role counts still", daOff, user(nil, map[string][]string{"blue": {RoleLead}}), "permission_denied", "in team blue"},
		{"teams off: covered account-wide", daOff, user(nil, map[string][]string{"blue": {RoleDeveloper}}), "", ""},
		{"a team member without roles", ua, user(nil, map[string][]string{"blue": nil}), "", ""},
		{"a group carrying a lead role", ua, &Subject{Name: "group ops", Teams: map[string][]string{"red": {RoleLead}}}, "permission_denied", "group ops holds permission"},
		{"a group carrying a custom role", da, &Subject{Name: "group ops", Teams: map[string][]string{"red": {"user-admin"}}, Custom: custom}, "permission_denied", "user.manage (role user-admin in team red)"},
		{"lead, a group carrying a lead role", lead, &Subject{Name: "group ops", Teams: map[string][]string{"red": {RoleLead}}}, "", ""},
		// The restricted keypairs a subject signs with: on their lists too,
		// or able to change them (keypair.manage).
		{"a developer on an allow-list", da, onList(user([]string{RoleDeveloper}, nil), "prod", nil), "permission_denied", "allow-list of restricted keypair prod"},
		{"a developer on an allow-list the actor is on", da, onList(user([]string{RoleDeveloper}, nil), "prod", []string{"a"}), "", ""},
		{"a lead manages the list", lead, onList(user([]string{RoleDeveloper}, nil), "prod", nil), "", ""},
		{"a group on an allow-list", da, onList(&Subject{Name: "group signers"}, "prod", nil), "permission_denied", "group signers is on the allow-list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Action: UserManage, Subject: tt.subject}
			d := Authorize(tt.p, req, now)
			if got := code(tt.p, req); got != tt.code || !strings.Contains(d.Reason, tt.reason) {
				t.Fatalf("got %q (%s), want %q with %q", got, d.Reason, tt.code, tt.reason)
			}
		})
	}
	// Without user.manage, the missing permission comes first.
	dev := Principal{UserID: "d", Name: "dev", Roles: []string{RoleDeveloper}}
	if d := Authorize(dev, Request{Action: UserManage, Subject: user(nil, nil)}, now); d.Allow || !strings.Contains(d.Reason, "missing permission user.manage") {
		t.Fatalf("developer: %+v", d)
	}
}

// TestCredentialExpiry: what a token makes expires with it at the latest;
// a web session or a token without expiry leaves the asked expiry alone.
func TestCredentialExpiry(t *testing.T) {
	tokenEnd := now.Add(time.Minute)
	before, after := now.Add(30*time.Second), now.Add(time.Hour)
	tests := []struct {
		name       string
		tokenEnd   time.Time
		want, got  time.Time
		wantCapped bool
	}{
		{"no expiry asked, token without expiry", time.Time{}, time.Time{}, time.Time{}, false},
		{"expiry asked, token without expiry", time.Time{}, after, after, false},
		{"no expiry asked, expiring token", tokenEnd, time.Time{}, tokenEnd, true},
		{"asked before the token ends", tokenEnd, before, before, false},
		{"asked when the token ends", tokenEnd, tokenEnd, tokenEnd, false},
		{"asked after the token ends", tokenEnd, after, tokenEnd, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Principal{UserID: "u", Name: "u", TokenExpiresAt: tt.tokenEnd}
			got, capped := CredentialExpiry(p, tt.want)
			if !got.Equal(tt.got) || capped != tt.wantCapped {
				t.Fatalf("got %v capped %v, want %v capped %v", got, capped, tt.got, tt.wantCapped)
			}
		})
	}
}
