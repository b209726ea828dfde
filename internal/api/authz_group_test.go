package api_test

import (
	"crypto/ecdsa"
	"github.com/signet-project/signet/internal/auth"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestRestrictedKeypairThroughGroup: a restricted keypair that allows a
// group signs over HTTPS for the group's members, here a Signer (who signs
// only with keypairs assigned to them) and a Developer who reach its team
// through the group too, and for nobody else; a member taken out of the
// group is refused at once. internal/policy/access_test.go holds the pure
// decision; this is the whole path (credentials, group lookup, signing).
func TestRestrictedKeypairThroughGroup(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		lead := env.Lead
		env.MustDo(t, lead, "PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
		env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": "green"}, 201)
		env.MustDo(t, lead, "POST", "/api/v1/groups", map[string]any{"name": "release-eng"}, 201)
		env.MustDo(t, lead, "PUT", "/api/v1/teams/green/members", map[string]any{"kind": "group", "member": "release-eng"}, 200)
		signer := env.NewUser(t, "grp-signer", "signer")
		dev := env.NewUser(t, "grp-dev", "developer")
		outsider := env.NewUser(t, "grp-outsider", "developer")
		var green auth.Team
		env.MustDo(t, lead, "PUT", "/api/v1/teams/green/members", map[string]any{"kind": "user", "member": outsider.ID}, 200).JSON(t, &green)
		// Answers name the user members (stored by id); groups are names already.
		if len(green.Members) != 2 || green.Members[0].Name+green.Members[1].Name != "grp-outsider" {
			t.Errorf("team green's members: %+v, want the user named grp-outsider", green.Members)
		}
		for _, u := range []*servertest.User{signer, dev} {
			env.MustDo(t, lead, "PUT", "/api/v1/groups/release-eng/members/"+u.Name, nil, 200)
		}
		kp := generate(t, env, lead, map[string]any{"alias": "grouped", "algorithm": "ecdsa", "team": "green",
			"access": "restricted", "allowed_groups": []string{"release-eng"}})
		pub := publicKey(t, kp).(*ecdsa.PublicKey)
		d := digest32()
		sign := func(u *servertest.User) *servertest.Response {
			return env.Do(t, u, "POST", "/api/v1/keypairs/grouped/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d})
		}

		for _, u := range []*servertest.User{signer, dev} {
			var out signOut
			env.MustDo(t, u, "POST", "/api/v1/keypairs/grouped/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d}, 200).JSON(t, &out)
			if !ecdsa.VerifyASN1(pub, d, out.Signature) {
				t.Errorf("%s: the signature does not verify", u.Name)
			}
			if r := sign(tokenOnly(env, u)); r.Status != 403 || r.Code() != "client_certificate_required" {
				t.Errorf("%s with a token only: %s", u.Name, r)
			}
		}
		if r := sign(outsider); r.Status != 403 || r.Code() != "keypair_access_denied" {
			t.Errorf("a team member outside the group: %s", r)
		}

		// Out of the group: out of the keypair, and of the team it reached
		// through the group, at once.
		env.MustDo(t, lead, "DELETE", "/api/v1/groups/release-eng/members/"+signer.Name, nil, 200)
		if r := sign(signer); r.Status != 403 {
			t.Errorf("the Signer out of the group: %s", r)
		}
		env.MustDo(t, dev, "POST", "/api/v1/keypairs/grouped/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d}, 200)
	})
}
