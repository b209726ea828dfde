package policy

import (
	"strings"
	"testing"
	"time"
)

// The role table of DESIGN.md, as the test reads it: which built-in role
// holds which permission. L = Lead, T = Team lead, D = Developer,
// B = Build engineer, S = Signer; "." = not held.
var roleTable = map[Action]string{
	KeypairView:          "LTD.S",
	KeypairGenerate:      "LTD..",
	KeypairImport:        "LT...",
	KeypairManage:        "LT...",
	KeypairDelete:        "LT...",
	Sign:                 "LTDB.",
	SignAssigned:         "L...S",
	CertView:             "LTD.S",
	CertGenerate:         "LTD..",
	ProfileView:          "LTD.S",
	ProfileManage:        "L....",
	ReleaseRequest:       "L.D..",
	ReleaseView:          "LTD.S",
	ReleaseApprove:       "LT...",
	ReleaseManage:        "L....",
	AuditView:            "LTD.S",
	AuditExport:          "L....",
	UserManage:           "L....",
	TeamManage:           "LT...",
	RoleManage:           "L....",
	SettingsManage:       "L....",
	CAManage:             "L....",
	CredentialsManageOwn: "LTDBS",
}

var roleLetters = []struct {
	letter byte
	role   string
}{{'L', RoleLead}, {'T', RoleTeamLead}, {'D', RoleDeveloper}, {'B', RoleBuildEngineer}, {'S', RoleSigner}}

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestRoleTableCoversEveryPermission(t *testing.T) {
	for _, a := range AllActions {
		if _, ok := roleTable[a]; !ok {
			t.Errorf("permission %s is missing from the test's role table", a)
		}
	}
	if len(roleTable) != len(AllActions) {
		t.Errorf("role table has %d permissions, AllActions %d", len(roleTable), len(AllActions))
	}
}

// TestRolePermissions asks for every permission as every role, on a
// resource inside the user's own team, with both factors.
func TestRolePermissions(t *testing.T) {
	for act, cells := range roleTable {
		for i, rl := range roleLetters {
			want := cells[i] == rl.letter
			if act == SignAssigned {
				continue // never asked for directly: Sign covers it (TestKeypairAccess)
			}
			if act == KeypairView && rl.role == RoleBuildEngineer {
				want = true // not held, but seen through sign (TestKeypairAccess)
			}
			p := Principal{UserID: "u", Name: "u", Roles: []string{rl.role}, SecondFactor: true,
				TeamsOn: true, Teams: map[string][]string{"blue": nil}}
			d := Authorize(p, Request{Action: act, Team: "blue"}, now)
			if d.Allow != want {
				t.Errorf("%s %s: allow=%v, want %v (%s)", rl.role, act, d.Allow, want, d.Reason)
			}
			if !d.Allow && !strings.Contains(d.Reason, string(act)) {
				t.Errorf("%s %s: denial %q does not name the permission", rl.role, act, d.Reason)
			}
			if got := BuiltIn[rl.role].Grants(act); got != (cells[i] == rl.letter) {
				t.Errorf("BuiltIn[%s].Grants(%s) = %v", rl.role, act, got)
			}
		}
	}
}

func TestSecondFactor(t *testing.T) {
	for _, act := range AllActions {
		p := Principal{UserID: "u", Name: "u", Roles: []string{RoleLead}}
		d := Authorize(p, Request{Action: act}, now)
		if NeedsSecondFactor(act) {
			if d.Allow || d.Code != "client_certificate_required" || !strings.Contains(d.Reason, "client certificate") {
				t.Errorf("%s without client certificate: %+v", act, d)
			}
		} else if !d.Allow {
			t.Errorf("%s needs no second factor but was denied: %+v", act, d)
		}
	}
}

// TestKeyUseNeedsSecondFactor: a certificate request signed with the
// keypair's key needs both factors; issuing by the CA does not.
func TestKeyUseNeedsSecondFactor(t *testing.T) {
	p := Principal{UserID: "u", Name: "u", Roles: []string{RoleLead}}
	kp := &Keypair{ID: "k", State: "active", Status: "online", Access: "open"}
	if d := Authorize(p, Request{Action: CertGenerate, Keypair: kp, UsesKey: true}, now); d.Allow || d.Code != "client_certificate_required" {
		t.Errorf("CSR with a token alone: %+v", d)
	}
	if d := Authorize(p, Request{Action: CertGenerate, Keypair: kp}, now); !d.Allow {
		t.Errorf("issuing with a token alone: %+v", d)
	}
	p.SecondFactor = true
	if d := Authorize(p, Request{Action: CertGenerate, Keypair: kp, UsesKey: true}, now); !d.Allow {
		t.Errorf("CSR with both factors: %+v", d)
	}
}

func TestServiceUserCredentials(t *testing.T) {
	bot := Principal{UserID: "b", Name: "bot", Roles: []string{RoleBuildEngineer}, Service: true}
	if d := Authorize(bot, Request{Action: CredentialsManageOwn}, now); d.Allow || d.Code != "service_user_credentials" {
		t.Fatalf("service user managing its own credentials: %+v", d)
	}
	bot.Service = false
	if d := Authorize(bot, Request{Action: CredentialsManageOwn}, now); !d.Allow {
		t.Fatalf("standard user managing its own credentials: %+v", d)
	}
}

func TestDisabled(t *testing.T) {
	p := Principal{Name: "x", Roles: []string{RoleLead}, Disabled: true, SecondFactor: true}
	if d := Authorize(p, Request{Action: AuditView}, now); d.Allow || d.Code != "user_disabled" {
		t.Fatalf("disabled user: %+v", d)
	}
}

// TestReleaseKeypair: putting a keypair in a release caps and gates its
// signatures, so a restricted keypair goes in only by someone who may sign
// with it or who manages releases there; open keypairs are no question.
func TestReleaseKeypair(t *testing.T) {
	dev := Principal{UserID: "d", Name: "dev", Roles: []string{RoleDeveloper}, Groups: []string{"ship"}}
	lead := Principal{UserID: "l", Name: "lead", Roles: []string{RoleLead}}
	teamLead := Principal{UserID: "t", Name: "tl", Roles: []string{RoleTeamLead}}
	blueManager := Principal{UserID: "m", Name: "m", TeamsOn: true, Teams: map[string][]string{"blue": {RoleLead}}}
	restricted := func(users, groups []string) *Keypair {
		return &Keypair{ID: "k", State: "active", Status: "online", Access: "restricted", AllowedUsers: users, AllowedGroups: groups}
	}
	for _, tc := range []struct {
		name  string
		p     Principal
		kp    *Keypair
		team  string
		allow bool
	}{
		{"open keypair", dev, &Keypair{ID: "k", Access: "open"}, "", true},
		{"open keypair, team lead (no release.request)", teamLead, &Keypair{ID: "k", Access: "open"}, "", true},
		{"restricted, not allowed", dev, restricted([]string{"x"}, nil), "", false},
		{"restricted, allowed user", dev, restricted([]string{"d"}, nil), "", true},
		{"restricted, allowed group", dev, restricted(nil, []string{"ship"}), "", true},
		{"restricted, release manager", lead, restricted(nil, nil), "", true},
		{"restricted, team lead (approver, not manager)", teamLead, restricted(nil, nil), "", false},
		{"restricted, manager in the release's team", blueManager, restricted(nil, nil), "blue", true},
		{"restricted, manager of another team", blueManager, restricted(nil, nil), "red", false},
	} {
		d := ReleaseKeypair(tc.p, tc.kp, tc.team)
		if d.Allow != tc.allow || (!d.Allow && d.Code != "keypair_access_denied") {
			t.Errorf("%s: %+v, want allow %v", tc.name, d, tc.allow)
		}
	}
}

// TestNoSelfApproval: no one approves a release they requested, Leads
// included; another approver may.
func TestNoSelfApproval(t *testing.T) {
	lead := Principal{UserID: "l", Name: "lead", Roles: []string{RoleLead}, SecondFactor: true}
	own := &Release{ID: "r", Name: "v1", OwnRequest: true}
	if d := Authorize(lead, Request{Action: ReleaseApprove, Release: own}, now); d.Allow || d.Code != "own_release" || !strings.Contains(d.Reason, "v1") {
		t.Errorf("approving one's own request: %+v", d)
	}
	if d := Authorize(lead, Request{Action: ReleaseApprove, Release: &Release{ID: "r", Name: "v1"}}, now); !d.Allow {
		t.Errorf("approving another's request: %+v", d)
	}
	dev := Principal{UserID: "d", Name: "dev", Roles: []string{RoleDeveloper}, SecondFactor: true}
	if d := Authorize(dev, Request{Action: ReleaseApprove, Release: own}, now); d.Code != "permission_denied" {
		t.Errorf("a Developer approving: %+v (the missing permission comes first)", d)
	}
}
