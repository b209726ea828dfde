package api_test

import (
	"context"
	"slices"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestTeamProfilesOutsideTheirTeam: certificate and keypair profiles
// assigned to team blue serve blue's keypairs only. Outside blue they are
// refused for use (issuing, CSR, generating with a certificate or from the
// keypair profile), even to the Lead, and hidden from members of other
// teams, who can neither describe nor list them. The table
// (authz_test.go) covers who may view and manage them.
func TestTeamProfilesOutsideTheirTeam(t *testing.T) {
	env := servertest.Start(t)
	lead := env.Lead
	env.MustDo(t, lead, "PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
	member := func(team, name, role string) *servertest.User {
		u := env.NewUser(t, name, role)
		env.MustDo(t, lead, "PUT", "/api/v1/teams/"+team+"/members", map[string]any{"kind": "user", "member": u.ID}, 200)
		return u
	}
	for _, team := range []string{"blue", "red"} {
		env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": team}, 201)
	}
	blueLead, redLead, redDev := member("blue", "blue-lead", "team_lead"), member("red", "red-lead", "team_lead"), member("red", "red-dev", "developer")
	env.MustDo(t, lead, "POST", "/api/v1/certificate-profiles", profileBody("certificate", "blue-cert", "blue"), 201)
	env.MustDo(t, lead, "POST", "/api/v1/keypair-profiles", profileBody("keypair", "blue-kp", "blue"), 201)
	generate(t, env, lead, map[string]any{"alias": "red-key", "algorithm": "ecdsa", "team": "red"})
	generate(t, env, lead, map[string]any{"alias": "blue-key", "algorithm": "ecdsa", "team": "blue"})

	// Inside blue they serve.
	env.MustDo(t, blueLead, "POST", "/api/v1/keypairs/blue-key/certificates", map[string]any{"profile": "blue-cert"}, 201)
	env.MustDo(t, blueLead, "POST", "/api/v1/keypairs/blue-key/csr", map[string]any{"profile": "blue-cert"}, 200)
	var made struct{ Team string }
	env.MustDo(t, blueLead, "POST", "/api/v1/keypairs", map[string]any{"alias": "from-profile", "profile": "blue-kp"}, 201).JSON(t, &made)
	if made.Team != "blue" {
		t.Errorf("a keypair from blue's profile is in team %q", made.Team)
	}

	// Outside blue they are refused, to anyone, and nothing is made.
	for _, c := range []struct {
		name string
		u    *servertest.User
		path string
		body map[string]any
		code string
	}{
		{"Lead issues for red", lead, "/api/v1/keypairs/red-key/certificates", map[string]any{"profile": "blue-cert"}, "profile_team_mismatch"},
		{"red lead issues for red", redLead, "/api/v1/keypairs/red-key/certificates", map[string]any{"profile": "blue-cert"}, "profile_team_mismatch"},
		{"red lead's CSR for red", redLead, "/api/v1/keypairs/red-key/csr", map[string]any{"profile": "blue-cert"}, "profile_team_mismatch"},
		{"Lead generates in red with blue's certificate", lead, "/api/v1/keypairs",
			map[string]any{"alias": "x1", "algorithm": "ecdsa", "team": "red", "generate_cert": true, "cert_profile": "blue-cert"}, "profile_team_mismatch"},
		{"Lead generates in red from blue's profile", lead, "/api/v1/keypairs",
			map[string]any{"alias": "x2", "team": "red", "profile": "blue-kp"}, "profile_team_mismatch"},
		{"red lead generates from blue's profile", redLead, "/api/v1/keypairs",
			map[string]any{"alias": "x3", "profile": "blue-kp"}, "team_access_denied"},
	} {
		before := deniedOf(t, env, lead, c.u)
		r := env.Do(t, c.u, "POST", c.path, c.body)
		if r.Status/100 != 4 || r.Code() != c.code {
			t.Errorf("%s: want %s, got %s", c.name, c.code, r)
		}
		if r.Status == 403 {
			var e struct{ Message string }
			r.JSON(t, &e)
			after := deniedOf(t, env, lead, c.u)
			if len(after) != len(before)+1 || after[len(after)-1] != e.Message {
				t.Errorf("%s: refusal %q is not audited once: denied records %q then %q", c.name, e.Message, before, after)
			}
		}
	}
	for _, alias := range []string{"x1", "x2", "x3"} {
		if r := env.Do(t, lead, "GET", "/api/v1/keypairs/"+alias, nil); r.Status != 404 {
			t.Errorf("keypair %s was made: %s", alias, r)
		}
	}

	// Hidden from the other teams' members.
	for _, u := range []*servertest.User{redLead, redDev} {
		for _, kind := range []string{"certificate", "keypair"} {
			name := map[string]string{"certificate": "blue-cert", "keypair": "blue-kp"}[kind]
			if r := env.Do(t, u, "GET", "/api/v1/"+kind+"-profiles/"+name, nil); r.Status != 403 || r.Code() != "team_access_denied" {
				t.Errorf("%s describes %s: %s", u.Name, name, r)
			}
			var list struct{ Profiles []struct{ Name string } }
			env.MustDo(t, u, "GET", "/api/v1/"+kind+"-profiles", nil, 200).JSON(t, &list)
			names := []string{}
			for _, p := range list.Profiles {
				names = append(names, p.Name)
			}
			if slices.Contains(names, name) || (kind == "certificate" && !slices.Contains(names, "production")) {
				t.Errorf("%s lists the %s profiles %v: want the account's, without blue's %s", u.Name, kind, names, name)
			}
		}
	}
	var list struct{ Profiles []struct{ Name string } }
	env.MustDo(t, blueLead, "GET", "/api/v1/certificate-profiles", nil, 200).JSON(t, &list)
	if !slices.ContainsFunc(list.Profiles, func(p struct{ Name string }) bool { return p.Name == "blue-cert" }) {
		t.Errorf("blue's lead does not see blue's profile: %+v", list.Profiles)
	}

	// The refusals of the red lead by policy are in the audit log. (Those
	// of a profile for a keypair of another team, profile_team_mismatch,
	// are decided in internal/ca and not audited: see the report of this
	// change.)
	evs, err := env.Store.ListAudit(context.Background(), audit.Filter{ActorID: redLead.ID, Result: audit.Denied, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 3 {
		t.Errorf("%d denied audit records of the red lead, want at least 3 (a keypair in blue, two descriptions)", len(evs))
	}
}

// deniedOf lists the reasons of u's denied audit records, oldest first.
func deniedOf(t *testing.T, env *servertest.Env, viewer, u *servertest.User) []string {
	t.Helper()
	var page struct {
		Events []struct {
			Reason string `json:"reason"`
		} `json:"events"`
	}
	env.MustDo(t, viewer, "GET", "/api/v1/logs/audit?result=denied&limit=1000&actor="+u.ID, nil, 200).JSON(t, &page)
	out := []string{}
	for _, e := range page.Events {
		out = append(out, e.Reason)
	}
	return out
}
