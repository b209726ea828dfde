package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/keys"
	_ "github.com/signet-project/signet/internal/keys/hsm" // the hsm backend
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/server/servertest"
)

// signAnswer is one signing request's outcome.
type signAnswer struct {
	digest []byte
	status int
	code   string
	out    signOut
}

// signMany signs from workers goroutines while rotate runs rotations
// times in a loop; each worker signs at least per times and goes on until
// the rotations are done (so that they overlap, however slow either is).
// It returns every answer.
func signMany(t *testing.T, env *servertest.Env, alias string, workers, per, rotations int, rotate func()) []signAnswer {
	t.Helper()
	var mu sync.Mutex
	var all []signAnswer
	var wg sync.WaitGroup
	var rotated atomic.Int32
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50*per && (i < per || int(rotated.Load()) < rotations); i++ {
				d := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", w, i)))
				r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]})
				a := signAnswer{digest: d[:], status: r.Status, code: r.Code()}
				if r.Status == 200 {
					r.JSON(t, &a.out)
				}
				mu.Lock()
				all = append(all, a)
				mu.Unlock()
			}
		}()
	}
	for range rotations {
		rotate()
		rotated.Add(1)
	}
	wg.Wait()
	return all
}

// checkAnswers checks that every signature returned verifies under the
// public key and the certificate of the generation its signAnswer names, that
// its records were committed while that generation was current (before the
// Refresh that retired it, so never with a destroyed key), and that
// refusals say the key was replaced.
func checkAnswers(t *testing.T, env *servertest.Env, alias string, all []signAnswer) {
	t.Helper()
	var gens generationsOut
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/"+alias+"/generations", nil, 200).JSON(t, &gens)
	pubs := map[int]*ecdsa.PublicKey{}
	for _, g := range gens.Generations {
		b, _ := pem.Decode([]byte(g.PublicKeyPEM))
		pub, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		pubs[g.Generation] = pub.(*ecdsa.PublicKey)
	}
	certs := certsByGeneration(t, env, alias)
	// Audit sequence of each signature, and of the Refresh retiring each
	// generation.
	signedAt, retiredAt := map[string]int64{}, map[int]int64{}
	err := env.Store.WalkAudit(context.Background(), func(e *audit.Event) error {
		switch {
		case e.Type == "Keypair" && e.Action == "Sign" && e.ResourceName == alias:
			signedAt[e.Details["signature_id"]] = e.Seq
		case e.Type == "Dynamic" && e.Action == "Refresh" && e.ResourceName == alias:
			from, _ := strconv.Atoi(e.Details["from_generation"])
			if _, dup := retiredAt[from]; dup {
				t.Errorf("generation %d retired twice", from)
			}
			retiredAt[from] = e.Seq
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	used := map[int]int{}
	refused := 0
	for _, a := range all {
		if a.status != 200 {
			if a.status != 409 || a.code != "keypair_rotated" {
				t.Errorf("answer %d %s: only keypair_rotated may refuse a request here", a.status, a.code)
			}
			refused++
			continue
		}
		g := a.out.Generation
		used[g]++
		pub, ok := pubs[g]
		if !ok {
			t.Errorf("signature %s names generation %d, which the keypair never had", a.out.SignatureID, g)
			continue
		}
		if !ecdsa.VerifyASN1(pub, a.digest, a.out.Signature) {
			t.Errorf("signature %s does not verify under generation %d", a.out.SignatureID, g)
		}
		c, ok := certs[g]
		if !ok {
			t.Errorf("generation %d has no certificate", g)
		} else if cp := mustCert(t, c.CertificatePEM).PublicKey.(*ecdsa.PublicKey); !ecdsa.VerifyASN1(cp, a.digest, a.out.Signature) {
			t.Errorf("signature %s does not verify under the certificate of generation %d", a.out.SignatureID, g)
		}
		seq, ok := signedAt[a.out.SignatureID]
		if !ok {
			t.Errorf("signature %s was returned but not audited", a.out.SignatureID)
		} else if r, retired := retiredAt[g]; retired && seq > r {
			t.Errorf("signature %s was committed (seq %d) after generation %d was retired (seq %d)", a.out.SignatureID, seq, g, r)
		}
	}
	if len(used) < 3 {
		t.Errorf("signatures came from generations %v: the rotations did not overlap the signing", used)
	}
	t.Logf("%d answers: %d signed by generations %v, %d refused as rotated", len(all), len(all)-refused, used, refused)
}

func mustCert(t *testing.T, p string) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(mustCertDER(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDynamicSignWhileRotating: many goroutines sign with a dynamic
// keypair while it is refreshed again and again, on disk and on a SoftHSM
// token (where a destroyed key cannot sign at all).
func TestDynamicSignWhileRotating(t *testing.T) {
	for _, storage := range []string{"disk", "hsm"} {
		t.Run(storage, func(t *testing.T) {
			var opts []servertest.Option
			if storage == "hsm" {
				tok := hsmtest.NewToken(t)
				km, err := keys.New(context.Background(), "hsm", tok.Options())
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, servertest.WithBackend("hsm", km))
			}
			env := servertest.Start(t, opts...)
			generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic",
				"storage": storage, "generate_cert": true})
			all := signMany(t, env, "dyn", 8, 20, 10, func() {
				env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
				time.Sleep(20 * time.Millisecond) // let some signatures through
			})
			checkAnswers(t, env, "dyn", all)
		})
	}
}

// TestDynamicPerSignatureConcurrent: concurrent requests on a keypair
// replaced after every signature each get a generation of their own, and
// each generation its certificate, although the rotations' certificate
// hooks overtake each other (one in three runs left a generation without
// a certificate before the hook knew); the default is the newest.
func TestDynamicPerSignatureConcurrent(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic",
		"rotate_per_signature": true, "generate_cert": true})
	all := signMany(t, env, "dyn", 8, 15, 0, nil)
	checkAnswers(t, env, "dyn", all)
	var kp certKeypair
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/dyn", nil, 200).JSON(t, &kp)
	if c := certsByGeneration(t, env, "dyn")[kp.Generation]; !c.Default {
		t.Errorf("the default certificate is not generation %d's", kp.Generation)
	}
	seen := map[int]bool{}
	for _, a := range all {
		if a.status == 200 && seen[a.out.Generation] {
			t.Errorf("generation %d signed twice", a.out.Generation)
		}
		seen[a.out.Generation] = true
	}
}
