package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/sigalg"
)

// newKeypair returns a keypair with every field set.
func newKeypair(i int, alias string) *keypair.Keypair {
	return &keypair.Keypair{
		ID:            fmt.Sprintf("kp-%04d", i),
		Alias:         alias,
		Type:          keypair.TypeStatic,
		Algorithm:     keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"},
		Category:      keypair.CategoryProduction,
		Storage:       keypair.StorageDisk,
		Status:        keypair.StatusOnline,
		Access:        keypair.AccessRestricted,
		AllowedUsers:  []string{"u-alice", "u-bob"},
		AllowedGroups: []string{},
		Team:          "team-a",
		Profile:       "profile-a",
		State:         keypair.StateActive,
		Generation:    3,
		Handle:        keys.Handle{Backend: "disk", URI: "disk:" + alias, KEK: "kek-1", Blob: []byte{1, 2, 3, 0}},
		PublicKey:     []byte{0x30, 0x59, 0x30, 0x13},
		CreatedBy:     "u-alice",
		CreatedAt:     at(i),
		UpdatedAt:     at(i + 1),
	}
}

func testKeypairRoundTrip(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "release-key")
	must(t, s.CreateKeypair(ctx, kp, event(1, "Generate", kp.ID)))
	for _, key := range []string{kp.ID, kp.Alias} {
		got, err := s.GetKeypair(ctx, key)
		must(t, err)
		same(t, "GetKeypair("+key+")", got, kp)
	}

	// Nil slices and blobs stay nil, empty ones stay empty; an HSM key.
	hsm := newKeypair(2, "hsm-key")
	hsm.Algorithm = keys.Algorithm{Type: sigalg.RSA, Bits: 3072}
	hsm.Storage, hsm.Access, hsm.Status = keypair.StorageHSM, keypair.AccessOpen, keypair.StatusOffline
	hsm.AllowedUsers, hsm.AllowedGroups = nil, []string{"g1"}
	hsm.Handle = keys.Handle{Backend: "hsm", URI: "pkcs11:token=signet;id=%01"}
	hsm.PublicKey = []byte{}
	hsm.Team, hsm.Profile = "", ""
	hsm.DestroyedAt = ptr(at(9))
	must(t, s.CreateKeypair(ctx, hsm, nil))
	got, err := s.GetKeypair(ctx, "hsm-key")
	must(t, err)
	same(t, "hsm keypair", got, hsm)

	// The store fills an empty id and creation time.
	auto := newKeypair(3, "auto")
	auto.ID, auto.CreatedAt, auto.UpdatedAt = "", time.Time{}, time.Time{}
	must(t, s.CreateKeypair(ctx, auto, nil))
	if auto.ID == "" || auto.CreatedAt.IsZero() || !auto.UpdatedAt.Equal(auto.CreatedAt) {
		t.Fatalf("CreateKeypair did not fill the id and times: %q %v %v", auto.ID, auto.CreatedAt, auto.UpdatedAt)
	}
	got, err = s.GetKeypair(ctx, auto.ID)
	must(t, err)
	same(t, "keypair with a filled id", got, auto)

	_, err = s.GetKeypair(ctx, "no-such-key")
	wantErr(t, "GetKeypair(missing)", err, errNotFound)
}

func testKeypairConflict(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateKeypair(ctx, newKeypair(1, "dup"), event(1, "Generate", "kp-0001")))
	err := s.CreateKeypair(ctx, newKeypair(2, "dup"), event(2, "Generate", "kp-0002"))
	wantErr(t, "CreateKeypair(taken alias)", err, errConflict)
	err = s.CreateKeypair(ctx, newKeypair(1, "other"), event(3, "Generate", "kp-0001"))
	wantErr(t, "CreateKeypair(taken id)", err, errConflict)
	if n := auditCount(t, s); n != 1 {
		t.Fatalf("failed creations left audit records: %d records, want 1", n)
	}
	kps, err := s.ListKeypairs(ctx, keypair.Filter{})
	must(t, err)
	same(t, "keypairs after conflicts", len(kps), 1)
}

func testKeypairList(t *testing.T, s server.Store) {
	ctx := t.Context()
	var all []*keypair.Keypair
	for i := range 12 {
		kp := newKeypair(i, fmt.Sprintf("app-%02d", i))
		if i%3 == 0 {
			kp.Alias = fmt.Sprintf("App-%02d", i) // prefix match is case-sensitive
			kp.State = keypair.StateSuspended
		}
		if i%2 == 0 {
			kp.Storage, kp.Status, kp.Category, kp.Type = keypair.StorageHSM, keypair.StatusOffline, keypair.CategoryTest, keypair.TypeDynamic
		}
		must(t, s.CreateKeypair(ctx, kp, event(i, "Generate", kp.ID)))
		all = append(all, kp)
	}
	match := func(f func(*keypair.Keypair) bool) []*keypair.Keypair {
		var out []*keypair.Keypair
		for _, kp := range all {
			if f(kp) {
				out = append(out, kp)
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    keypair.Filter
		want []*keypair.Keypair
	}{
		{"all", keypair.Filter{}, all},
		{"alias prefix", keypair.Filter{Alias: "app-1"}, match(func(k *keypair.Keypair) bool { return k.Alias >= "app-1" && k.Alias < "app-2" })},
		{"alias prefix case", keypair.Filter{Alias: "App-"}, match(func(k *keypair.Keypair) bool { return k.Alias[0] == 'A' })},
		{"alias exact", keypair.Filter{Alias: "app-01"}, all[1:2]},
		{"alias wildcard is literal", keypair.Filter{Alias: "app-%"}, nil},
		{"state", keypair.Filter{State: keypair.StateSuspended}, match(func(k *keypair.Keypair) bool { return k.State == keypair.StateSuspended })},
		{"storage", keypair.Filter{Storage: keypair.StorageHSM}, match(func(k *keypair.Keypair) bool { return k.Storage == keypair.StorageHSM })},
		{"status", keypair.Filter{Status: keypair.StatusOnline}, match(func(k *keypair.Keypair) bool { return k.Status == keypair.StatusOnline })},
		{"category", keypair.Filter{Category: keypair.CategoryTest}, match(func(k *keypair.Keypair) bool { return k.Category == keypair.CategoryTest })},
		{"type", keypair.Filter{Type: keypair.TypeStatic}, match(func(k *keypair.Keypair) bool { return k.Type == keypair.TypeStatic })},
		{"combined", keypair.Filter{State: keypair.StateActive, Storage: keypair.StorageHSM}, match(func(k *keypair.Keypair) bool {
			return k.State == keypair.StateActive && k.Storage == keypair.StorageHSM
		})},
		{"after", keypair.Filter{After: all[9].ID}, all[10:]},
		{"limit", keypair.Filter{Limit: 5}, all[:5]},
		{"after and limit", keypair.Filter{After: all[2].ID, Limit: 4}, all[3:7]},
		{"none", keypair.Filter{State: keypair.StateDestroyed}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListKeypairs(ctx, c.f)
			must(t, err)
			same(t, "ListKeypairs", got, c.want)
		})
	}

	// Paging visits every keypair once, in id order.
	var paged []*keypair.Keypair
	f := keypair.Filter{Limit: 5}
	for {
		page, err := s.ListKeypairs(ctx, f)
		must(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		f.After = page[len(page)-1].ID
	}
	same(t, "paged keypairs", paged, all)
}
