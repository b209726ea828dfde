package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server/servertest"
)

type generationsOut struct {
	Generations []struct {
		Generation   int    `json:"generation"`
		PublicKeyPEM string `json:"public_key_pem"`
	} `json:"generations"`
}

// verifyWithGeneration checks sig over d with the public key that the
// keypair had at generation gen, as the API lists them.
func verifyWithGeneration(t *testing.T, env *servertest.Env, alias string, gen int, d, sig []byte) {
	t.Helper()
	var out generationsOut
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/"+alias+"/generations", nil, 200).JSON(t, &out)
	for _, g := range out.Generations {
		if g.Generation != gen {
			continue
		}
		b, _ := pem.Decode([]byte(g.PublicKeyPEM))
		pub, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d, sig) {
			t.Fatalf("signature does not verify with generation %d", gen)
		}
		return
	}
	t.Fatalf("no generation %d in %+v", gen, out)
}

func signDigest(t *testing.T, env *servertest.Env, alias, msg string) ([]byte, signOut) {
	t.Helper()
	d := sha256.Sum256([]byte(msg))
	var out signOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}, 200).JSON(t, &out)
	return d[:], out
}

func TestDynamicPerSignature(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic", "rotate_per_signature": true})
		d1, s1 := signDigest(t, env, "dyn", "one")
		d2, s2 := signDigest(t, env, "dyn", "two")
		if s1.Generation == s2.Generation {
			t.Fatalf("two signatures with generation %d", s1.Generation)
		}
		verifyWithGeneration(t, env, "dyn", s1.Generation, d1, s1.Signature)
		verifyWithGeneration(t, env, "dyn", s2.Generation, d2, s2.Signature)
		// Each replacement is audited as Dynamic/Refresh.
		evs, err := env.Store.ListAudit(context.Background(), audit.Filter{Type: "Dynamic", Action: "Refresh"})
		if err != nil || len(evs) != 2 {
			t.Fatalf("%d Refresh events (%v), want 2", len(evs), err)
		}
		// A static keypair is not refreshed; a batch cannot use a per-signature key.
		generate(t, env, env.Lead, map[string]any{"alias": "static", "algorithm": "ecdsa"})
		if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/static/refresh", nil); r.Status != 400 || r.Code() != "not_dynamic" {
			t.Fatalf("refresh of a static keypair: %s", r)
		}
		d := sha256.Sum256([]byte("x"))
		items := []map[string]any{{"hash": d[:]}, {"hash": d[:]}}
		if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/dyn/sign-batch", map[string]any{"sig_alg": "SHA256withECDSA", "items": items}); r.Status != 400 || r.Code() != "batch_not_allowed" {
			t.Fatalf("batch on a per-signature key: %s", r)
		}
	})
}

func TestDynamicInterval(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	env := servertest.Start(t, servertest.WithClock(clock))
	generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic"})
	d1, s1 := signDigest(t, env, "dyn", "before")
	env.Server.RunJobs(context.Background())
	if _, s := signDigest(t, env, "dyn", "same"); s.Generation != s1.Generation {
		t.Fatalf("rotated before the interval: generation %d", s.Generation)
	}
	offset.Store(int64(16 * time.Minute))
	env.Server.RunJobs(context.Background())
	d2, s2 := signDigest(t, env, "dyn", "after")
	if s2.Generation != s1.Generation+1 {
		t.Fatalf("generation %d after the interval, want %d", s2.Generation, s1.Generation+1)
	}
	verifyWithGeneration(t, env, "dyn", s1.Generation, d1, s1.Signature) // old signatures still verify
	verifyWithGeneration(t, env, "dyn", s2.Generation, d2, s2.Signature)
	r := env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
	var kp struct{ Generation int }
	r.JSON(t, &kp)
	if kp.Generation != s2.Generation+1 {
		t.Fatalf("manual refresh: generation %d", kp.Generation)
	}
}

// TestDynamicTwoNodesOneRefresh: two nodes on one PostgreSQL run their jobs
// at the same time; the audit log shows one Refresh per interval.
func TestDynamicTwoNodesOneRefresh(t *testing.T) {
	var offset atomic.Int64
	clock := servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	a, b := twoNodes(t, clock)
	generate(t, a, a.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic"})
	for i := 1; i <= 3; i++ {
		offset.Store(int64(time.Duration(i) * 16 * time.Minute))
		done := make(chan struct{})
		go func() { a.Server.RunJobs(context.Background()); close(done) }()
		b.Server.RunJobs(context.Background())
		<-done
		evs, err := a.Store.ListAudit(context.Background(), audit.Filter{Type: "Dynamic", Action: "Refresh"})
		if err != nil || len(evs) != i {
			t.Fatalf("interval %d: %d Refresh events (%v), want %d", i, len(evs), err, i)
		}
	}
	// Both nodes sign with the current generation.
	_, sa := signDigest(t, a, "dyn", "a")
	_, sb := signDigest(t, b, "dyn", "b")
	if sa.Generation != 4 || sb.Generation != 4 {
		t.Fatalf("generations %d and %d, want 4", sa.Generation, sb.Generation)
	}
}

// TestDynamicPerSignaturePinned: requests that pin a generation of a key
// replaced after every signature sign with that generation or are refused
// (409), even when they wait for its claim while others move it on.
func TestDynamicPerSignaturePinned(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "pin", "algorithm": "ecdsa", "type": "dynamic", "rotate_per_signature": true})
	var kp struct {
		Generation int `json:"generation"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/pin", nil, 200).JSON(t, &kp)
	const n = 8
	answers := make([]*servertest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := sha256.Sum256([]byte(fmt.Sprint("pinned ", i)))
			answers[i] = env.Do(t, env.Lead, "POST", "/api/v1/keypairs/pin/sign",
				map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:], "generation": kp.Generation})
		}()
	}
	wg.Wait()
	signed := 0
	for _, r := range answers {
		switch {
		case r.Status == 200:
			var out signOut
			r.JSON(t, &out)
			if out.Generation != kp.Generation {
				t.Errorf("pinned generation %d, signed with %d", kp.Generation, out.Generation)
			}
			signed++
		case r.Status != 409 || r.Code() != "keypair_rotated":
			t.Errorf("pinned request: %s", r)
		}
	}
	if signed != 1 {
		t.Errorf("%d requests signed with generation %d, want exactly 1", signed, kp.Generation)
	}
}
