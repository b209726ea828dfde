package storetest

import (
	"fmt"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/siglog"
)

// newSignature returns a signature record with every field set.
func newSignature(i int) *siglog.Record {
	return &siglog.Record{
		ID:           fmt.Sprintf("sig-%05d", i),
		Time:         at(i),
		Status:       siglog.StatusSigned,
		UserID:       "u-alice",
		UserName:     "alice",
		KeypairID:    "kp-0001",
		KeypairAlias: "release-key",
		Generation:   2,
		KeyType:      "static",
		Algorithm:    "SHA256withECDSA",
		Category:     "production",
		DigestAlg:    "sha256",
		Digest:       []byte{0xde, 0xad, 0xbe, 0xef},
		Signature:    []byte{0x30, 0x45, 0x02},
		ReleaseID:    "rel-1",
		ClientIP:     "2001:db8::1",
		Tool:         "signtool",
		FileName:     "setup.exe",
		FileSize:     1 << 40,
		TimestampURL: "http://tsa.example/",
	}
}

// entry returns a journal entry: a signature and its audit event.
func entry(i int) journal.Entry {
	return journal.Entry{Signature: newSignature(i), Events: []*audit.Event{event(i, "Sign", "kp-0001")}}
}

func testSignatureRoundTrip(t *testing.T, s server.Store) {
	ctx := t.Context()
	full := newSignature(1)
	denied := &siglog.Record{ID: "sig-00002", Time: at(2), Status: siglog.StatusDenied, ErrorCode: "quota_exhausted",
		UserID: "u-bob", Digest: []byte{}, Signature: nil}
	auto := newSignature(3)
	auto.ID = ""
	must(t, s.WriteBatch(ctx, []journal.Entry{{Signature: full}, {Signature: denied}, {Signature: auto}}))
	if auto.ID == "" {
		t.Fatal("WriteBatch left a signature id empty")
	}
	got, err := s.ListSignatures(ctx, siglog.Filter{})
	must(t, err)
	byID := map[string]*siglog.Record{}
	for _, r := range got {
		byID[r.ID] = r
	}
	same(t, "signatures listed", len(got), 3)
	for _, want := range []*siglog.Record{full, denied, auto} {
		same(t, "signature "+want.ID, byID[want.ID], want)
	}
}

func testSignatureList(t *testing.T, s server.Store) {
	ctx := t.Context()
	var all []*siglog.Record
	var batch []journal.Entry
	for i := range 20 {
		r := newSignature(i)
		if i%2 == 1 {
			r.UserID = "u-bob"
		}
		if i%3 == 0 {
			r.KeypairID, r.Status, r.ReleaseID = "kp-0002", siglog.StatusDenied, ""
		}
		all = append(all, r)
		batch = append(batch, journal.Entry{Signature: r})
	}
	must(t, s.WriteBatch(ctx, batch))
	match := func(f func(*siglog.Record) bool) []*siglog.Record {
		var out []*siglog.Record
		for _, r := range all {
			if f(r) {
				out = append(out, r)
			}
		}
		return out
	}
	cases := []struct {
		name string
		f    siglog.Filter
		want []*siglog.Record
	}{
		{"all", siglog.Filter{}, all},
		{"from", siglog.Filter{From: at(15)}, all[15:]},
		{"to", siglog.Filter{To: at(5)}, all[:5]},
		{"from to", siglog.Filter{From: at(4), To: at(8)}, all[4:8]},
		{"from is microsecond exact", siglog.Filter{From: at(4).Add(1000)}, all[5:]},
		{"user", siglog.Filter{UserID: "u-bob"}, match(func(r *siglog.Record) bool { return r.UserID == "u-bob" })},
		{"keypair", siglog.Filter{KeypairID: "kp-0002"}, match(func(r *siglog.Record) bool { return r.KeypairID == "kp-0002" })},
		{"status", siglog.Filter{Status: siglog.StatusSigned}, match(func(r *siglog.Record) bool { return r.Status == siglog.StatusSigned })},
		{"release", siglog.Filter{ReleaseID: "rel-1"}, match(func(r *siglog.Record) bool { return r.ReleaseID == "rel-1" })},
		{"combined", siglog.Filter{UserID: "u-bob", Status: siglog.StatusDenied, From: at(5)},
			match(func(r *siglog.Record) bool {
				return r.UserID == "u-bob" && r.Status == siglog.StatusDenied && r.Time.After(at(4))
			})},
		{"after", siglog.Filter{After: all[16].ID}, all[17:]},
		{"after and limit", siglog.Filter{After: all[2].ID, Limit: 3}, all[3:6]},
		{"none", siglog.Filter{UserID: "u-nobody"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ListSignatures(ctx, c.f)
			must(t, err)
			same(t, "ListSignatures", got, c.want)
		})
	}
}

// testListLimits checks the default page size (100) and the cap (1000).
func testListLimits(t *testing.T, s server.Store) {
	ctx := t.Context()
	batch := make([]journal.Entry, 1100)
	for i := range batch {
		batch[i] = entry(i)
	}
	must(t, s.WriteBatch(ctx, batch))
	for _, c := range []struct{ limit, want int }{{0, 100}, {-1, 100}, {7, 7}, {1000, 1000}, {5000, 1000}} {
		sigs, err := s.ListSignatures(ctx, siglog.Filter{Limit: c.limit})
		must(t, err)
		evs, err := s.ListAudit(ctx, audit.Filter{Limit: c.limit})
		must(t, err)
		if len(sigs) != c.want || len(evs) != c.want {
			t.Errorf("Limit %d: %d signatures and %d events, want %d", c.limit, len(sigs), len(evs), c.want)
		}
	}
	if n := auditCount(t, s); n != 1100 {
		t.Fatalf("audit records: %d, want 1100", n)
	}
}

func testWriteBatchAtomic(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.WriteBatch(ctx, []journal.Entry{entry(1), entry(2)}))
	must(t, s.WriteBatch(ctx, nil))

	// A signature id already taken, in the middle of a batch.
	bad := []journal.Entry{entry(3), entry(4), {Signature: newSignature(1), Events: []*audit.Event{event(5, "Sign", "x")}}, entry(6)}
	wantErr(t, "WriteBatch(taken signature id)", s.WriteBatch(ctx, bad), errConflict)
	// An audit event id already taken, at the end.
	bad = []journal.Entry{entry(7), {Events: []*audit.Event{event(1, "Sign", "kp-0001")}}}
	wantErr(t, "WriteBatch(taken event id)", s.WriteBatch(ctx, bad), errConflict)
	// A nil event.
	if err := s.WriteBatch(ctx, []journal.Entry{entry(8), {Events: []*audit.Event{nil}}}); err == nil {
		t.Fatal("WriteBatch with a nil event succeeded")
	}

	sigs, err := s.ListSignatures(ctx, siglog.Filter{})
	must(t, err)
	if len(sigs) != 2 {
		t.Fatalf("failed batches wrote signatures: %d records, want 2", len(sigs))
	}
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("failed batches wrote audit records: %d, want 2", n)
	}
	// The chain goes on from where the last good batch left it.
	must(t, s.WriteBatch(ctx, []journal.Entry{entry(9)}))
	if n := auditCount(t, s); n != 3 {
		t.Fatalf("audit records: %d, want 3", n)
	}
}

// testWriteBatchKeypairState: a signed record commits only while its
// keypair is active (and, when asked, at the signature's generation), in
// the record's transaction; refusals are recorded whatever the state.
func testWriteBatchKeypairState(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "release-key") // kp-0001, generation 3
	must(t, s.CreateKeypair(ctx, kp, nil))
	sig := func(i, gen int) *siglog.Record {
		r := newSignature(i)
		r.Generation = gen
		return r
	}
	must(t, s.WriteBatch(ctx, []journal.Entry{{Signature: sig(1, 3), CheckGeneration: true}, {Signature: sig(2, 1)}}))
	err := s.WriteBatch(ctx, []journal.Entry{{Signature: sig(3, 2), CheckGeneration: true}})
	wantErr(t, "signature of an earlier generation", err, journal.ErrKeyRotated)

	must(t, s.SetKeypairState(ctx, kp.ID, "suspended", at(5), nil))
	err = s.WriteBatch(ctx, []journal.Entry{{Signature: sig(4, 3)}, entry(5)})
	wantErr(t, "signature of a suspended keypair", err, journal.ErrKeyInactive)
	refused := sig(6, 3)
	refused.Status, refused.Signature, refused.ErrorCode = siglog.StatusDenied, nil, "keypair_suspended"
	must(t, s.WriteBatch(ctx, []journal.Entry{{Signature: refused}}))

	must(t, s.DestroyKeypair(ctx, kp.ID, kp.Generation, kp.Handle, at(7), nil))
	err = s.WriteBatch(ctx, []journal.Entry{{Signature: sig(8, 3)}})
	wantErr(t, "signature of a deleted keypair", err, journal.ErrKeyInactive)

	got, err := s.ListSignatures(ctx, siglog.Filter{})
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("%d records, want the two signed while active and the refusal", len(got))
	}
}
