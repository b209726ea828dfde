package api_test

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestSignerEndToEnd: a Signer whose token and client certificate were
// made over the API signs only with both factors, only with a keypair
// assigned to it.
func TestSignerEndToEnd(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		signer := apiUser(t, env, "sam", "signer")
		assigned := generate(t, env, env.Lead, map[string]any{"alias": "assigned", "algorithm": "ecdsa", "access": "restricted", "allowed_users": []string{signer.ID}})
		generate(t, env, env.Lead, map[string]any{"alias": "unassigned", "algorithm": "ecdsa", "access": "restricted", "allowed_users": []string{env.Lead.ID}})
		generate(t, env, env.Lead, map[string]any{"alias": "open", "algorithm": "ecdsa"})
		d := sha256.Sum256([]byte("release.apk"))
		body := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}

		r := env.Do(t, tokenOnly(env, signer), "POST", "/api/v1/keypairs/assigned/sign", body)
		if r.Status != 403 || r.Code() != "client_certificate_required" || !strings.Contains(string(r.Body), "client certificate (mutual TLS)") {
			t.Fatalf("token only: %s", r)
		}
		var out signOut
		env.MustDo(t, signer, "POST", "/api/v1/keypairs/assigned/sign", body, 200).JSON(t, &out)
		if !ecdsa.VerifyASN1(publicKey(t, assigned).(*ecdsa.PublicKey), d[:], out.Signature) {
			t.Fatal("the signature does not verify")
		}
		if r := env.Do(t, signer, "POST", "/api/v1/keypairs/unassigned/sign", body); r.Status != 403 || r.Code() != "keypair_access_denied" {
			t.Fatalf("unassigned restricted keypair: %s", r)
		}
		if r := env.Do(t, signer, "POST", "/api/v1/keypairs/open/sign", body); r.Status != 403 || r.Code() != "keypair_not_assigned" {
			t.Fatalf("open keypair not assigned to the Signer: %s", r)
		}
	})
}

// TestRevocationEveryNode: two servers on one PostgreSQL; a token or a
// client certificate revoked through one stops working on the other at
// the next request, and disabling a user stops all of its credentials.
func TestRevocationEveryNode(t *testing.T) {
	a, b := twoNodes(t)
	generate(t, a, a.Lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
	dev := apiUser(t, a, "dana", "developer")
	d := sha256.Sum256([]byte("x"))
	body := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}
	onB := func(u *servertest.User) *servertest.User {
		return &servertest.User{User: u.User, Token: u.Token, Cert: u.Cert, Client: b.HTTPClient(&u.Cert)}
	}
	a.MustDo(t, dev, "POST", "/api/v1/keypairs/ec/sign", body, 200)
	b.MustDo(t, onB(dev), "POST", "/api/v1/keypairs/ec/sign", body, 200)

	// The token, revoked on a: refused on b at once.
	var toks struct{ Tokens []struct{ ID string } }
	a.MustDo(t, dev, "GET", "/api/v1/tokens", nil, 200).JSON(t, &toks)
	a.MustDo(t, dev, "DELETE", "/api/v1/tokens/"+toks.Tokens[0].ID, nil, 200)
	if r := b.Do(t, onB(dev), "POST", "/api/v1/keypairs/ec/sign", body); r.Status != 401 || r.Code() != "api_key_revoked" {
		t.Fatalf("revoked token on the other node: %s", r)
	}
	var denied struct {
		Events []struct {
			ActorName string `json:"actor_name"`
			Reason    string
		}
	}
	a.MustDo(t, a.Lead, "GET", "/api/v1/logs/audit?action=Authenticate&result=denied", nil, 200).JSON(t, &denied)
	if len(denied.Events) != 1 || denied.Events[0].ActorName != "dana" || !strings.Contains(denied.Events[0].Reason, "was revoked") {
		t.Fatalf("the refused revoked token is not audited: %+v", denied.Events)
	}

	// A new token; the client certificate, revoked on b: refused on a.
	var tok struct{ Secret string }
	a.MustDo(t, a.Lead, "POST", "/api/v1/tokens", map[string]any{"user": "dana"}, 201).JSON(t, &tok)
	dev.Token = tok.Secret
	a.MustDo(t, dev, "POST", "/api/v1/keypairs/ec/sign", body, 200)
	var cl struct {
		ClientCerts []struct{ ID string } `json:"client_certs"`
	}
	b.MustDo(t, onB(dev), "GET", "/api/v1/client-certs", nil, 200).JSON(t, &cl)
	b.MustDo(t, onB(dev), "DELETE", "/api/v1/client-certs/"+cl.ClientCerts[0].ID, nil, 200)
	if r := a.Do(t, dev, "POST", "/api/v1/keypairs/ec/sign", body); r.Status != 401 || r.Code() != "client_certificate_revoked" {
		t.Fatalf("revoked certificate on the other node: %s", r)
	}

	// Disabling on b revokes every credential at once, seen on a.
	dev = withP12(t, a, dev, issueCert(t, a, a.Lead, "dana"))
	a.MustDo(t, dev, "POST", "/api/v1/keypairs/ec/sign", body, 200)
	b.MustDo(t, b.Lead, "POST", "/api/v1/users/dana/disable", nil, 200)
	if r := a.Do(t, dev, "POST", "/api/v1/keypairs/ec/sign", body); r.Status != 401 {
		t.Fatalf("disabled user on the other node: %s", r)
	}
	b.MustDo(t, b.Lead, "POST", "/api/v1/users/dana/enable", nil, 200)
	if r := a.Do(t, tokenOnly(a, dev), "GET", "/api/v1/me", nil); r.Status != 401 || r.Code() != "api_key_revoked" {
		t.Fatalf("enabling again must not revive revoked credentials: %s", r)
	}
}
