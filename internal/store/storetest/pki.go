package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/tsa"
)

// pkiStore is what the CA and the TSA need of a store.
type pkiStore interface {
	ca.Store
	ca.ProfileStore
	tsa.Store
}

func pkiOf(t *testing.T, s server.Store) pkiStore {
	t.Helper()
	p, ok := s.(pkiStore)
	if !ok {
		t.Fatalf("%T does not implement the CA and TSA stores", s)
	}
	return p
}

func newAuthority(i int, name, parent string) *ca.Authority {
	return &ca.Authority{ID: fmt.Sprintf("ca-%d", i), Name: name, Kind: ca.KindIntermediate, ParentID: parent, Storage: "disk",
		Handle: keys.Handle{Backend: "disk", URI: fmt.Sprintf("disk:ca:ca-%d", i), KEK: "k1", Blob: []byte{9, 0, 9}},
		Cert:   []byte{0x30, byte(i)}, CreatedAt: at(i)}
}

func newCert(i int, keypairID, issuerID string) *ca.Certificate {
	return &ca.Certificate{ID: fmt.Sprintf("cert-%04d", i), KeypairID: keypairID, Generation: 3, IssuerID: issuerID,
		Serial: fmt.Sprintf("%x", 0xabc000+i), Fingerprint: []byte{byte(i), 1}, Subject: "CN=k", Issuer: "CN=ca",
		NotBefore: at(0), NotAfter: at(1000 + i), Profile: "production", Source: ca.SourceIssued,
		DER: []byte{0x30, 1, byte(i)}, Chain: []byte{0x30, 2}, CreatedBy: "u-alice", CreatedAt: at(i)}
}

func testAuthorities(t *testing.T, s server.Store) {
	ctx, p := t.Context(), pkiOf(t, s)
	root, issuing := newAuthority(1, "root", ""), newAuthority(2, "issuing", "ca-1")
	root.Kind, root.Handle.Blob = ca.KindRoot, nil
	issuing.Handle = keys.Handle{Backend: "hsm", URI: "pkcs11:token=signet;id=%01"}
	must(t, p.CreateAuthorities(ctx, []*ca.Authority{root, issuing}, []*ca.Certificate{newCert(1, "", "ca-1")},
		[]*audit.Event{event(1, "Create", "ca-1"), event(2, "Create", "ca-2")}))
	got, err := p.ListAuthorities(ctx)
	must(t, err)
	same(t, "authorities", got, []*ca.Authority{root, issuing})

	// A taken name fails the whole batch.
	err = p.CreateAuthorities(ctx, []*ca.Authority{newAuthority(3, "other", "ca-1"), newAuthority(4, "root", "")}, nil,
		[]*audit.Event{event(3, "Create", "ca-3")})
	wantErr(t, "duplicate name", err, errConflict)
	if got, _ := p.ListAuthorities(ctx); len(got) != 2 {
		t.Fatalf("a failed batch left %d authorities", len(got))
	}
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("audit has %d records, want 2", n)
	}

	// CRLs replace each other only in number order.
	_, err = p.GetCRL(ctx, "ca-1")
	wantErr(t, "no CRL yet", err, errNotFound)
	crl := &ca.CRL{AuthorityID: "ca-1", Number: 1, ThisUpdate: at(1), NextUpdate: at(2), DER: []byte{1}}
	must(t, p.PutCRL(ctx, crl))
	wantErr(t, "CRL 1 again", p.PutCRL(ctx, crl), errConflict)
	wantErr(t, "CRL 3 after 1", p.PutCRL(ctx, &ca.CRL{AuthorityID: "ca-1", Number: 3, DER: []byte{3}}), errConflict)
	two := &ca.CRL{AuthorityID: "ca-1", Number: 2, ThisUpdate: at(3), NextUpdate: at(4), DER: []byte{2}}
	must(t, p.PutCRL(ctx, two))
	gotCRL, err := p.GetCRL(ctx, "ca-1")
	must(t, err)
	same(t, "CRL", gotCRL, two)
}

func testCertificates(t *testing.T, s server.Store) {
	ctx, p := t.Context(), pkiOf(t, s)
	kp := newKeypair(1, "signer")
	must(t, s.CreateKeypair(ctx, kp, nil))
	a, b := newCert(1, kp.ID, "ca-1"), newCert(2, kp.ID, "ca-1")
	a.Default, b.Default, b.AutoRenew, b.Chain = true, true, true, nil
	must(t, p.CreateCertificate(ctx, a, event(1, "Generate", kp.ID)))
	must(t, p.CreateCertificate(ctx, b, event(2, "Generate", kp.ID)))
	a.Default = false // b took the default
	for _, c := range []*ca.Certificate{a, b} {
		got, err := p.GetCertificate(ctx, c.ID)
		must(t, err)
		same(t, "certificate "+c.ID, got, c)
	}
	dup := newCert(3, kp.ID, "ca-1")
	dup.Serial = a.Serial
	wantErr(t, "duplicate serial", p.CreateCertificate(ctx, dup, nil), errConflict)
	ext := newCert(4, kp.ID, "")
	ext.Source, ext.Serial = ca.SourceImported, a.Serial // an external CA may reuse a serial
	must(t, p.CreateCertificate(ctx, ext, nil))

	got, err := p.CertificateBySerial(ctx, "ca-1", a.Serial)
	must(t, err)
	same(t, "by serial", got.ID, a.ID)
	defs, err := p.DefaultCertificates(ctx, []string{kp.ID, "kp-none"})
	must(t, err)
	if len(defs) != 1 || defs[kp.ID].ID != b.ID {
		t.Fatalf("defaults: %+v", defs)
	}
	list, err := p.ListCertificates(ctx, ca.CertFilter{KeypairID: kp.ID, Limit: 2})
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("first page: %v", list)
	}

	// Making a the default takes it from b.
	must(t, p.UpdateCertificate(ctx, a.ID, true, true, event(3, "Update", a.ID)))
	defs, _ = p.DefaultCertificates(ctx, []string{kp.ID})
	if defs[kp.ID].ID != a.ID || !defs[kp.ID].AutoRenew {
		t.Fatalf("after update the default is %+v", defs[kp.ID])
	}

	// Renewal: a is due before at(2000), and also once the key moves on.
	due, err := p.RenewalDue(ctx, at(1000), 10)
	must(t, err)
	same(t, "nothing due yet", len(due), 0)
	due, err = p.RenewalDue(ctx, at(2000), 10)
	must(t, err)
	if len(due) != 1 || due[0].ID != a.ID {
		t.Fatalf("due: %v", due)
	}

	// Revocation: once, and the certificate stops being the default.
	must(t, p.RevokeCertificate(ctx, a.ID, at(50), 1, event(4, "Revoke", a.ID)))
	wantErr(t, "revoke twice", p.RevokeCertificate(ctx, a.ID, at(51), 1, nil), errConflict)
	wantErr(t, "revoke unknown", p.RevokeCertificate(ctx, "nope", at(51), 1, nil), errNotFound)
	rev, err := p.RevokedCertificates(ctx, "ca-1")
	must(t, err)
	if len(rev) != 1 || rev[0].ID != a.ID || !rev[0].RevokedAt.Equal(at(50)) || rev[0].Reason != 1 || rev[0].Default {
		t.Fatalf("revoked: %+v", rev)
	}
	// Expired revoked certificates stay listed (their CRL keeps them), in
	// revocation order, and only their issuer's.
	old := newCert(5, kp.ID, "ca-1")
	old.NotBefore, old.NotAfter = at(-2000), at(-1000)
	must(t, p.CreateCertificate(ctx, old, nil))
	must(t, p.RevokeCertificate(ctx, old.ID, at(-1500), 4, nil))
	other := newCert(6, kp.ID, "ca-2")
	must(t, p.CreateCertificate(ctx, other, nil))
	must(t, p.RevokeCertificate(ctx, other.ID, at(60), 0, nil))
	rev, err = p.RevokedCertificates(ctx, "ca-1")
	must(t, err)
	if len(rev) != 2 || rev[0].ID != old.ID || rev[1].ID != a.ID {
		t.Fatalf("revoked with an expired one: %+v", rev)
	}
	if defs, _ := p.DefaultCertificates(ctx, []string{kp.ID}); len(defs) != 0 {
		t.Fatal("a revoked certificate is still the default")
	}
	if n := auditCount(t, s); n != 4 {
		t.Fatalf("audit has %d records, want 4", n)
	}
}

func testProfiles(t *testing.T, s server.Store) {
	ctx, p := t.Context(), pkiOf(t, s)
	cp := &ca.CertProfile{Name: "android", Category: "production", Team: "team-a", Subject: map[string]string{"CN": "${alias}"},
		Validity: ca.Duration{D: 25 * ca.Year}, KeyUsages: []string{}, ExtKeyUsages: []string{"1.2.3.4"}, Issuer: "issuing",
		CreatedAt: at(1), UpdatedAt: at(1)}
	must(t, p.PutCertProfile(ctx, cp, true, event(1, "Create", "android")))
	wantErr(t, "create twice", p.PutCertProfile(ctx, cp, true, nil), errConflict)
	wantErr(t, "update unknown", p.PutCertProfile(ctx, &ca.CertProfile{Name: "nope"}, false, nil), errNotFound)
	cp.Description, cp.UpdatedAt = "Play", at(2)
	must(t, p.PutCertProfile(ctx, cp, false, nil))
	got, err := p.GetCertProfile(ctx, "android")
	must(t, err)
	same(t, "certificate profile", got, cp)
	_, err = p.GetCertProfile(ctx, "nope")
	wantErr(t, "unknown profile", err, errNotFound)

	kpp := &ca.KeypairProfile{Name: "android", Fields: map[string]ca.Field{"algorithm": {Value: []byte(`"rsa"`), Fixed: true}},
		ExpiresAfter: &ca.Duration{D: 5 * ca.Day}, CreatedAt: at(3), UpdatedAt: at(3)}
	must(t, p.PutKeypairProfile(ctx, kpp, true, nil))
	kps, err := p.ListKeypairProfiles(ctx)
	must(t, err)
	same(t, "keypair profiles", kps, []*ca.KeypairProfile{kpp})
	cps, err := p.ListCertProfiles(ctx)
	must(t, err)
	same(t, "certificate profiles", len(cps), 1)
	must(t, p.DeleteKeypairProfile(ctx, "android", event(2, "Delete", "android")))
	wantErr(t, "delete twice", p.DeleteKeypairProfile(ctx, "android", nil), errNotFound)

	st, err := p.ProfileSettings(ctx)
	must(t, err)
	same(t, "default settings", st, ca.Settings{})
	must(t, p.SetProfileSettings(ctx, ca.Settings{RequireKeypairProfile: true, UpdatedAt: at(4)}, event(3, "Update", "settings")))
	st, _ = p.ProfileSettings(ctx)
	same(t, "settings", st, ca.Settings{RequireKeypairProfile: true, UpdatedAt: at(4)})

	// Expiry: destroyed keypairs are not listed again.
	live, gone := newKeypair(1, "live"), newKeypair(2, "gone")
	must(t, s.CreateKeypair(ctx, live, nil))
	must(t, s.CreateKeypair(ctx, gone, nil))
	must(t, p.SetKeypairExpiry(ctx, live.ID, at(10)))
	must(t, p.SetKeypairExpiry(ctx, gone.ID, at(5)))
	must(t, p.SetKeypairExpiry(ctx, gone.ID, at(8)))
	exp, err := p.KeypairExpiries(ctx, []string{live.ID, gone.ID, "kp-none"})
	must(t, err)
	same(t, "expiries", exp, map[string]time.Time{live.ID: at(10), gone.ID: at(8)})
	ids, err := p.ExpiredKeypairs(ctx, at(10), 10)
	must(t, err)
	same(t, "expired", ids, []string{gone.ID, live.ID})
	must(t, s.DestroyKeypair(ctx, gone.ID, gone.Generation, gone.Handle, at(11), nil))
	ids, _ = p.ExpiredKeypairs(ctx, at(10), 10)
	same(t, "expired after destroy", ids, []string{live.ID})
	if n := auditCount(t, s); n != 3 {
		t.Fatalf("audit has %d records, want 3", n)
	}
}

func testTimestampLog(t *testing.T, s server.Store) {
	ctx, p := t.Context(), pkiOf(t, s)
	r := &tsa.Record{Serial: "1f", Time: at(1), HashAlg: "SHA-256", Imprint: []byte{1, 2}, Policy: "1.2.3.4.1", Source: "http"}
	must(t, p.LogTimestamp(ctx, r))
	wantErr(t, "serial twice", p.LogTimestamp(ctx, r), errConflict)
}
