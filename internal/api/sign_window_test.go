package api_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/siglog"
)

// slowKeys is a key backend whose Signer runs before, once armed: the time
// a request spends between its authorization and its signature (a key
// backend reached over the network, a per-signature claim waited for).
type slowKeys struct {
	keys.KeyManager
	armed  atomic.Bool
	before func()
}

func (k *slowKeys) Signer(ctx context.Context, h keys.Handle) (crypto.Signer, error) {
	if k.armed.CompareAndSwap(true, false) {
		k.before()
	}
	return k.KeyManager.Signer(ctx, h)
}

// TestSignatureCountsAtOneTime: whether a signature counts toward a release
// and the time it is recorded at agree, however long the request spends
// between its authorization and its signature, on each store. A request
// authorized just before the window opens and signed inside it is recorded
// at the time it was decided on, outside the window, and does not count;
// one authorized just before the window ends and signed after it is
// refused (release_changed): a counted signature is made inside its window.
func TestSignatureCountsAtOneTime(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		now := time.Now().UTC().Truncate(time.Second)
		clock := func() time.Time { return now.Add(time.Duration(offset.Load())) }
		disk, err := keys.New(t.Context(), "disk", keys.Options{MasterKeys: map[string][]byte{"k": servertest.NewMasterKey()}, CurrentKEK: "k"})
		if err != nil {
			t.Fatal(err)
		}
		slow := &slowKeys{KeyManager: disk}
		env := servertest.Start(t, store, servertest.WithClock(clock), servertest.WithBackend("hsm", slow))
		ids := map[string]string{}
		for _, alias := range []string{"early", "late"} {
			ids[alias] = generate(t, env, env.Lead, map[string]any{"alias": alias, "algorithm": "ecdsa", "storage": "hsm"}).ID
		}
		start, end := now.Add(time.Hour), now.Add(2*time.Hour)
		rel := createRelease(t, env, env.Lead, map[string]any{"name": "v1", "type": "online", "keypairs": []string{"early", "late"},
			"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "max_signatures": 10}, 201)

		for _, c := range []struct {
			alias          string
			decided, signs time.Duration // offsets of the authorization and the signature
			counts         bool
		}{
			{"early", 0, 90 * time.Minute, false},
			{"late", 2*time.Hour - time.Second, 3 * time.Hour, true},
		} {
			offset.Store(int64(c.decided))
			slow.before = func() { offset.Store(int64(c.signs)) }
			slow.armed.Store(true)
			d := sha256.Sum256([]byte(c.alias))
			body := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}
			if c.alias == "late" {
				r := env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/"+c.alias+"/sign", body, 409)
				if r.Code() != "release_changed" {
					t.Fatalf("signed after the window ended: %s, want 409 release_changed", r)
				}
				continue
			}
			env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/"+c.alias+"/sign", body, 200)

			recs, err := env.Store.ListSignatures(context.Background(), siglog.Filter{KeypairID: ids[c.alias], Status: siglog.StatusSigned, Limit: 10})
			if err != nil || len(recs) != 1 {
				t.Fatalf("%s: signed records: %d, %v", c.alias, len(recs), err)
			}
			rec := recs[0]
			inside, counted := !rec.Time.Before(start) && rec.Time.Before(end), rec.ReleaseID == rel.ID
			if inside != counted || counted != c.counts {
				t.Fatalf("%s: record at %s (window %s to %s) with release %q: inside the window and counted must agree, counted %v",
					c.alias, rec.Time, start, end, rec.ReleaseID, c.counts)
			}
			if want := now.Add(c.decided); !rec.Time.Equal(want) {
				t.Fatalf("%s: record at %s, want the time the request was authorized, %s", c.alias, rec.Time, want)
			}
		}
		r, err := env.Store.GetRelease(context.Background(), rel.ID)
		if err != nil || r.Used != 0 {
			t.Fatalf("release used %d (%v), want 0: nothing signed inside the window", r.Used, err)
		}
	})
}
