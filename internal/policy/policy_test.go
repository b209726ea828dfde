package policy

import (
	"testing"
	"time"
)

// The role table of DESIGN.md, as the test reads it: which role may do what.
// Y = allowed. Every built-in role and every action is listed.
var want = map[string]map[Action]bool{
	RoleLead: allOf(AllActions...),
	RoleTeamLead: allOf(KeypairView, KeypairGenerate, KeypairImport, KeypairManage, KeypairDelete, Sign,
		CertView, CertGenerate, ProfileView, ReleaseView, ReleaseApprove, AuditView, TeamManage, TokenManageOwn),
	RoleDeveloper: allOf(KeypairGenerate, KeypairView, CertGenerate, CertView, ProfileView, Sign,
		ReleaseRequest, ReleaseView, AuditView, TokenManageOwn),
	RoleBuildEngineer: allOf(Sign, TokenManageOwn),
	RoleSigner:        allOf(KeypairView, CertView, ProfileView, Sign, ReleaseView, AuditView, TokenManageOwn),
}

func allOf(a ...Action) map[Action]bool {
	m := map[Action]bool{}
	for _, x := range a {
		m[x] = true
	}
	return m
}

func TestRolePermissions(t *testing.T) {
	now := time.Now()
	for role, allowed := range want {
		for _, act := range AllActions {
			p := Principal{UserID: "u", Name: "u", Roles: []string{role}, SecondFactor: true}
			d := Authorize(p, Request{Action: act}, now)
			if d.Allow != allowed[act] {
				t.Errorf("%s %s: allow=%v, want %v (%s)", role, act, d.Allow, allowed[act], d.Reason)
			}
			if !d.Allow && d.Reason == "" {
				t.Errorf("%s %s: denial without a reason", role, act)
			}
		}
	}
}

func TestSecondFactor(t *testing.T) {
	now := time.Now()
	for _, act := range AllActions {
		p := Principal{UserID: "u", Name: "u", Roles: []string{RoleLead}}
		d := Authorize(p, Request{Action: act}, now)
		if NeedsSecondFactor(act) {
			if d.Allow || d.Code != "client_certificate_required" {
				t.Errorf("%s without client certificate: %+v", act, d)
			}
		} else if !d.Allow {
			t.Errorf("%s needs no second factor but was denied: %+v", act, d)
		}
	}
}

func TestKeypairAccess(t *testing.T) {
	now := time.Now()
	open := &Keypair{ID: "k", State: "active", Status: "online", Access: "open"}
	restricted := func(users, groups []string) *Keypair {
		return &Keypair{ID: "k", State: "active", Status: "online", Access: "restricted", AllowedUsers: users, AllowedGroups: groups}
	}
	dev := Principal{UserID: "dev", Name: "dev", Roles: []string{RoleDeveloper}, Groups: []string{"builders"}, SecondFactor: true}
	signer := Principal{UserID: "sig", Name: "sig", Roles: []string{RoleSigner}, SecondFactor: true}
	tests := []struct {
		name string
		p    Principal
		kp   *Keypair
		code string // "" = allowed
	}{
		{"open keypair", dev, open, ""},
		{"restricted, user allowed", dev, restricted([]string{"dev"}, nil), ""},
		{"restricted, group allowed", dev, restricted(nil, []string{"builders"}), ""},
		{"restricted, not allowed", dev, restricted([]string{"other"}, []string{"ops"}), "keypair_access_denied"},
		{"signer, open but unassigned", signer, open, "keypair_access_denied"},
		{"signer, assigned", signer, restricted([]string{"sig"}, nil), ""},
		{"suspended", dev, &Keypair{State: "suspended", Status: "online", Access: "open"}, "keypair_suspended"},
		{"destroyed", dev, &Keypair{State: "destroyed", Status: "online", Access: "open"}, "keypair_destroyed"},
		{"offline", dev, &Keypair{State: "active", Status: "offline", Access: "open"}, "keypair_offline"},
		{"disabled user", Principal{Name: "x", Roles: []string{RoleLead}, Disabled: true, SecondFactor: true}, open, "user_disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(tt.p, Request{Action: Sign, Keypair: tt.kp}, now)
			if (tt.code == "") != d.Allow || d.Code != tt.code {
				t.Fatalf("got %+v, want code %q", d, tt.code)
			}
		})
	}
}

func TestReleaseWindow(t *testing.T) {
	now := time.Now()
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
