package api_test

import (
	"context"
	"crypto/ecdsa"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	_ "github.com/signet-project/signet/internal/keys/hsm" // the hsm backend
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

type authorityOut struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Storage        string `json:"storage"`
	CertificatePEM string `json:"certificate_pem"`
}

// TestCAKeysOnHSMAndApartFromSigning: with an HSM configured, the keys of
// the CA hierarchy made on first start (root, issuing CA, TSA) and of a CA
// added later are made on it, and are not in the database. None of them
// can be reached through the keypair API (signing, batch signing, CSR,
// certificates): not by the authority's id, name, key id or key label;
// a keypair named like a CA signs with its own key.
func TestCAKeysOnHSMAndApartFromSigning(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		ctx := context.Background()
		hsm, err := keys.New(ctx, "hsm", hsmtest.NewToken(t).Options())
		if err != nil {
			t.Fatal(err)
		}
		env := servertest.Start(t, store, servertest.WithBackend("hsm", hsm)) // closes hsm at shutdown
		lead := env.Lead
		env.MustDo(t, lead, "POST", "/api/v1/ca", map[string]any{"name": "extra", "common_name": "Extra CA", "validity": "2y"}, 201)
		var list struct{ Authorities []authorityOut }
		env.MustDo(t, lead, "GET", "/api/v1/ca", nil, 200).JSON(t, &list)
		if len(list.Authorities) != 4 {
			t.Fatalf("%d authorities, want root, issuing, tsa, extra: %+v", len(list.Authorities), list.Authorities)
		}

		// On the token: the handle names a token object, the database holds
		// no key, and the token's key is the one the certificate certifies.
		rows, err := rawDB(t, env).Query(`SELECT name, handle_backend, handle_uri, handle_blob FROM authorities`)
		if err != nil {
			t.Fatal(err)
		}
		handles := map[string]keys.Handle{}
		for rows.Next() {
			var name string
			var h keys.Handle
			if err := rows.Scan(&name, &h.Backend, &h.URI, &h.Blob); err != nil {
				t.Fatal(err)
			}
			if h.Backend != "hsm" || !strings.HasPrefix(h.URI, "pkcs11:") || len(h.Blob) > 0 {
				t.Errorf("authority %s: key handle %s %s with %d bytes of key in the database, want an HSM object", name, h.Backend, h.URI, len(h.Blob))
			}
			handles[name] = h
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		for _, a := range list.Authorities {
			if a.Storage != "hsm" {
				t.Errorf("authority %s: storage %q, want hsm", a.Name, a.Storage)
			}
			signer, err := hsm.Signer(ctx, handles[a.Name])
			if err != nil {
				t.Errorf("authority %s: its key is not on the token: %v", a.Name, err)
				continue
			}
			if !pki.MatchPublicKey(signer.Public(), parsePEM(t, a.CertificatePEM)) {
				t.Errorf("authority %s: the token's key is not the certificate's", a.Name)
			}
		}

		// Apart from keypairs.
		d := digest32()
		for _, a := range list.Authorities {
			for _, ref := range []string{a.ID, a.Name, "ca:" + a.ID, "signet-ca-" + a.Name, "signet-" + a.Name} {
				p := "/api/v1/keypairs/" + url.PathEscape(ref)
				for _, try := range []struct{ method, path string }{
					{"POST", p + "/sign"}, {"POST", p + "/sign-batch"}, {"POST", p + "/csr"},
					{"POST", p + "/certificates"}, {"GET", p},
				} {
					body := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d}
					switch {
					case strings.HasSuffix(try.path, "/sign-batch"):
						body = map[string]any{"sig_alg": "SHA256withECDSA", "items": []map[string]any{{"hash": d}}}
					case !strings.HasSuffix(try.path, "/sign"):
						body = map[string]any{}
					}
					if try.method == "GET" {
						body = nil
					}
					if r := env.Do(t, lead, try.method, try.path, body); r.Status != 404 || r.Code() != "keypair_not_found" {
						t.Errorf("%s %s (authority %s): %s", try.method, try.path, a.Name, r)
					}
				}
			}
		}
		var kps struct{ Keypairs []keypairOut }
		env.MustDo(t, lead, "GET", "/api/v1/keypairs", nil, 200).JSON(t, &kps)
		if len(kps.Keypairs) != 0 {
			t.Errorf("keypairs before any was made: %+v", kps.Keypairs)
		}

		// A keypair named like a CA or its key is a keypair of its own.
		for _, alias := range []string{"root", "signet-ca-issuing"} {
			kp := generate(t, env, lead, map[string]any{"alias": alias, "algorithm": "ecdsa", "storage": "hsm"})
			var out signOut
			env.MustDo(t, lead, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d}, 200).JSON(t, &out)
			if !ecdsa.VerifyASN1(publicKey(t, kp).(*ecdsa.PublicKey), d, out.Signature) {
				t.Errorf("keypair %s: the signature is not by its own key", alias)
			}
			for _, a := range list.Authorities {
				if ca := parsePEM(t, a.CertificatePEM); pki.MatchPublicKey(publicKey(t, kp), ca) {
					t.Errorf("keypair %s has the key of authority %s", alias, a.Name)
				}
			}
		}
	})
}
