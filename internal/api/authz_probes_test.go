package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

// probes reach every endpoint of the table, by its name there. Those that
// change something act on a fresh resource made by the Lead, so that every
// cell starts from the same state.
var probes = map[string]endpoint{
	"describe keypair":    {kpScope, describeKeypair},
	"keypair generations": {kpScope, keypairGenerations},
	"suspend keypair":     {kpScope, suspendKeypair},
	"unsuspend keypair":   {kpScope, unsuspendKeypair},
	"refresh keypair":     {kpScope, refreshKeypair},
	"delete keypair":      {kpScope, deleteKeypair},
	"sign":                {kpScope, signProbe},
	"sign batch":          {kpScope, signBatchProbe},
	"generate keypair":    {kpScope, generateProbe},
	"import keypair":      {kpScope, importProbe},

	"list certificates":            {kpScope, onKeypair("GET", "/certificates", nil)},
	"download keypair certificate": {kpScope, onKeypair("GET", "/certificate?format=der", nil)},
	"describe certificate":         {kpScope, onCertificate("GET", "", nil)},
	"download certificate":         {kpScope, onCertificate("GET", "/download?format=p7b", nil)},
	"issue certificate":            {kpScope, onKeypair("POST", "/certificates", map[string]any{"default": false})},
	"create CSR":                   {kpScope, onKeypair("POST", "/csr", map[string]any{})},
	"import certificate":           {kpScope, importCertProbe},
	"update certificate":           {kpScope, onCertificate("PATCH", "", map[string]any{"auto_renew": false})},
	"revoke certificate":           {kpScope, revokeCertificateProbe},

	"describe certificate profile": {profileScope, describeProfile("certificate")},
	"create certificate profile":   {profileScope, createProfile("certificate")},
	"replace certificate profile":  {profileScope, replaceProfile("certificate")},
	"delete certificate profile":   {profileScope, deleteProfile("certificate")},
	"describe keypair profile":     {profileScope, describeProfile("keypair")},
	"create keypair profile":       {profileScope, createProfile("keypair")},
	"replace keypair profile":      {profileScope, replaceProfile("keypair")},
	"delete keypair profile":       {profileScope, deleteProfile("keypair")},

	"describe release":             {teamScope, describeRelease},
	"create release":               {teamScope, createReleaseProbe},
	"approve release":              {teamScope, decideRelease("approve")},
	"reject release":               {teamScope, decideRelease("reject")},
	"update release (not creator)": {teamScope, editRelease("PATCH", "")},
	"close release (not creator)":  {teamScope, editRelease("POST", "/close")},
	"describe team":                {teamScope, describeTeam},
	"set team member":              {teamScope, setTeamMemberProbe},
	"remove team member":           {teamScope, removeTeamMemberProbe},

	"list keypairs":                 {noScope, get("/api/v1/keypairs")},
	"list releases":                 {noScope, get("/api/v1/releases")},
	"signature log":                 {noScope, get("/api/v1/logs/signatures")},
	"audit log":                     {noScope, get("/api/v1/logs/audit")},
	"audit export":                  {noScope, get("/api/v1/logs/audit?format=csv")},
	"list users":                    {noScope, get("/api/v1/users")},
	"create user":                   {noScope, createUserProbe},
	"describe another user":         {noScope, onVictim("GET", "", nil)},
	"update user":                   {noScope, onVictim("PATCH", "", map[string]any{"email": "x@example.com"})},
	"disable user":                  {noScope, onVictim("POST", "/disable", nil)},
	"enable user":                   {noScope, onVictim("POST", "/enable", nil)},
	"delete user":                   {noScope, onVictim("DELETE", "", nil)},
	"set another's password":        {noScope, onVictim("PUT", "/password", map[string]any{"password": "a long new passphrase"})},
	"unlock user":                   {noScope, onVictim("POST", "/unlock", nil)},
	"reset user's TOTP":             {noScope, onVictim("DELETE", "/totp", nil)},
	"list groups":                   {noScope, get("/api/v1/groups")},
	"create group":                  {noScope, createGroupProbe},
	"delete group":                  {noScope, deleteGroupProbe},
	"add group member":              {noScope, groupMemberProbe("PUT")},
	"remove group member":           {noScope, groupMemberProbe("DELETE")},
	"create team":                   {noScope, createTeamProbe},
	"delete team":                   {noScope, deleteTeamProbe},
	"list teams (own ones)":         {noScope, get("/api/v1/teams")},
	"list roles":                    {noScope, get("/api/v1/roles")},
	"create role":                   {noScope, createRoleProbe},
	"update role":                   {noScope, roleProbe("PUT", map[string]any{"permissions": []string{"release.view"}})},
	"delete role":                   {noScope, roleProbe("DELETE", nil)},
	"get settings":                  {noScope, get("/api/v1/settings")},
	"update settings":               {noScope, updateSettingsProbe},
	"list own tokens":               {noScope, get("/api/v1/tokens")},
	"create own token":              {noScope, createTokenProbe},
	"revoke own token":              {noScope, revokeTokenProbe},
	"list another's tokens":         {noScope, otherTokensProbe},
	"list own client certificates":  {noScope, get("/api/v1/client-certs")},
	"issue own client certificate":  {noScope, issueCertProbe},
	"revoke own client certificate": {noScope, revokeCertProbe},
	"list certificate profiles":     {noScope, get("/api/v1/certificate-profiles")},
	"list keypair profiles":         {noScope, get("/api/v1/keypair-profiles")},
	"get profile settings":          {noScope, get("/api/v1/settings/profiles")},
	"change profile settings":       {noScope, putProfileSettingsProbe},
	"list CAs":                      {noScope, get("/api/v1/ca")},
	"create CA":                     {noScope, createCAProbe},
	"me":                            {noScope, get("/api/v1/me")},
}

func get(path string) probeFunc {
	return func(*testing.T, *fixture, probe) (string, string, any) { return "GET", path, nil }
}

func describeKeypair(_ *testing.T, f *fixture, p probe) (string, string, any) {
	return "GET", "/api/v1/keypairs/" + f.kp[p.acc], nil
}

func keypairGenerations(_ *testing.T, f *fixture, p probe) (string, string, any) {
	return "GET", "/api/v1/keypairs/" + f.kp[p.acc] + "/generations", nil
}

func suspendKeypair(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "POST", "/api/v1/keypairs/" + f.freshKeypair(t, p, false) + "/suspend", nil
}

func unsuspendKeypair(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "POST", "/api/v1/keypairs/" + f.freshKeypair(t, p, false) + "/unsuspend", nil
}

func refreshKeypair(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "POST", "/api/v1/keypairs/" + f.freshKeypair(t, p, true) + "/refresh", nil
}

func deleteKeypair(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "DELETE", "/api/v1/keypairs/" + f.freshKeypair(t, p, false), nil
}

func signProbe(_ *testing.T, f *fixture, p probe) (string, string, any) {
	return "POST", "/api/v1/keypairs/" + f.kp[p.acc] + "/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": digest32()}
}

func signBatchProbe(_ *testing.T, f *fixture, p probe) (string, string, any) {
	return "POST", "/api/v1/keypairs/" + f.kp[p.acc] + "/sign-batch",
		map[string]any{"sig_alg": "SHA256withECDSA", "items": []map[string]any{{"hash": digest32()}, {"hash": digest32()}}}
}

// newKeypairBody is a keypair to make, shaped by the access column.
func newKeypairBody(f *fixture, p probe) map[string]any {
	b := map[string]any{"team": teamOf(p.acc)}
	switch p.acc {
	case "allowed":
		b["access"], b["allowed_users"] = "restricted", []string{p.user.ID}
	case "not-allowed":
		b["access"], b["allowed_users"] = "restricted", []string{f.env.Lead.ID}
	}
	return b
}

func generateProbe(_ *testing.T, f *fixture, p probe) (string, string, any) {
	b := newKeypairBody(f, p)
	b["alias"], b["algorithm"] = f.name("gen"), "ecdsa"
	return "POST", "/api/v1/keypairs", b
}

func importProbe(_ *testing.T, f *fixture, p probe) (string, string, any) {
	b := newKeypairBody(f, p)
	b["key_pem"] = f.keyPEM
	return "POST", "/api/v1/keypairs/" + f.name("imp") + "/import", b
}

func describeRelease(_ *testing.T, f *fixture, p probe) (string, string, any) {
	return "GET", "/api/v1/releases/" + f.rel[p.acc], nil
}

func createReleaseProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	kp := "none"
	if p.fresh {
		kp = f.keypair(t, "forrel", p.acc, "open", nil, false)
	}
	start, end := window(time.Now())
	return "POST", "/api/v1/releases", map[string]any{"name": "probe", "type": "online", "team": p.acc,
		"keypairs": []string{kp}, "start": start, "end": end, "max_signatures": 5}
}

// decideRelease approves or rejects a fresh offline release of the Lead.
func decideRelease(action string) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		id := f.rel[p.acc]
		if p.fresh {
			id = f.release(t, p.acc, true)
		}
		return "POST", "/api/v1/releases/" + id + "/" + action, map[string]any{"comment": "table"}
	}
}

// editRelease updates or closes a fresh release of the Lead.
func editRelease(method, suffix string) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		id := f.rel[p.acc]
		if p.fresh {
			id = f.release(t, p.acc, false)
		}
		var body any
		if method == "PATCH" {
			body = map[string]any{"note": "table"}
		}
		return method, "/api/v1/releases/" + id + suffix, body
	}
}

func createUserProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "POST", "/api/v1/users", map[string]any{"name": f.name("new")}
}

// onVictim acts on a fresh user.
func onVictim(method, suffix string, body any) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		return method, "/api/v1/users/" + f.victim(t, p).Name + suffix, body
	}
}

func createGroupProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "POST", "/api/v1/groups", map[string]any{"name": f.name("group")}
}

// freshGroup makes a group (when the probe is fresh).
func freshGroup(t *testing.T, f *fixture, p probe) string {
	name := f.name("group")
	if p.fresh {
		if err := f.env.Store.CreateGroup(context.Background(), &auth.Group{Name: name}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

func deleteGroupProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "DELETE", "/api/v1/groups/" + freshGroup(t, f, p), nil
}

// groupMemberProbe adds a fresh user to a fresh group (PUT), or takes a
// fresh member out of it (DELETE).
func groupMemberProbe(method string) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		g := freshGroup(t, f, p)
		var in []string
		if method == "DELETE" {
			in = []string{g}
		}
		return method, "/api/v1/groups/" + g + "/members/" + f.victim(t, p, in...).Name, nil
	}
}

func createTeamProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "POST", "/api/v1/teams", map[string]any{"name": f.name("team")}
}

func deleteTeamProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	name := f.name("team")
	if p.fresh {
		if err := f.env.Store.CreateTeam(context.Background(), &auth.Team{Name: name}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return "DELETE", "/api/v1/teams/" + name, nil
}

func describeTeam(_ *testing.T, _ *fixture, p probe) (string, string, any) {
	return "GET", "/api/v1/teams/" + p.acc, nil
}

func setTeamMemberProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	return "PUT", "/api/v1/teams/" + p.acc + "/members", map[string]any{"kind": "user", "member": f.victim(t, p).ID}
}

func removeTeamMemberProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	v := f.victim(t, p)
	if p.fresh {
		m := auth.TeamMember{Kind: auth.MemberUser, Member: v.ID, Roles: []string{}}
		if err := f.env.Store.SetTeamMember(context.Background(), p.acc, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	return "DELETE", "/api/v1/teams/" + p.acc + "/members/user/" + v.ID, nil
}

func createRoleProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "POST", "/api/v1/roles", map[string]any{"name": f.name("role"), "permissions": []string{"audit.view"}}
}

// roleProbe changes or deletes a fresh custom role.
func roleProbe(method string, body any) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		name := f.name("role")
		if p.fresh {
			r := &policy.Role{Name: name, Scope: policy.ScopeAccount, Permissions: []policy.Action{policy.AuditView}}
			if err := f.env.Store.CreateRole(context.Background(), r, nil); err != nil {
				t.Fatal(err)
			}
		}
		return method, "/api/v1/roles/" + name, body
	}
}

func updateSettingsProbe(*testing.T, *fixture, probe) (string, string, any) {
	return "PATCH", "/api/v1/settings", map[string]any{"require_2fa": false}
}

func createTokenProbe(*testing.T, *fixture, probe) (string, string, any) {
	return "POST", "/api/v1/tokens", map[string]any{"name": "table", "expires_in": "1h"}
}

func revokeTokenProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	id := "none"
	if p.fresh {
		_, prefix, hash := auth.NewTokenSecret()
		tok := &auth.Token{UserID: p.user.ID, Name: "to revoke", Prefix: prefix, Hash: hash}
		if err := f.env.Store.CreateToken(context.Background(), tok, nil); err != nil {
			t.Fatal(err)
		}
		id = tok.ID
	}
	return "DELETE", "/api/v1/tokens/" + id, nil
}

func otherTokensProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "GET", "/api/v1/tokens?user=" + url.QueryEscape(f.env.Lead.Name), nil
}

func issueCertProbe(*testing.T, *fixture, probe) (string, string, any) {
	return "POST", "/api/v1/client-certs", map[string]any{"validity_days": 1}
}

func revokeCertProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	id := "none"
	if p.fresh {
		c := &auth.ClientCert{UserID: p.user.ID, Serial: f.name("serial"), Fingerprint: []byte(f.name("fp")),
			NotAfter: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)}
		if err := f.env.Store.CreateClientCert(context.Background(), c, nil); err != nil {
			t.Fatal(err)
		}
		id = c.ID
	}
	return "DELETE", "/api/v1/client-certs/" + id, nil
}
