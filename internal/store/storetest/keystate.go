package storetest

import (
	"reflect"
	"testing"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
)

func testKeypairState(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "k")
	must(t, s.CreateKeypair(ctx, kp, event(1, "Generate", kp.ID)))

	must(t, s.SetKeypairState(ctx, kp.ID, keypair.StateSuspended, at(5), event(2, "Suspend", kp.ID)))
	got, err := s.GetKeypair(ctx, kp.ID)
	must(t, err)
	kp.State, kp.UpdatedAt = keypair.StateSuspended, at(5)
	same(t, "suspended keypair", got, kp)

	must(t, s.SetKeypairState(ctx, kp.ID, keypair.StateActive, at(6), event(3, "Unsuspend", kp.ID)))
	got, err = s.GetKeypair(ctx, kp.ID)
	must(t, err)
	same(t, "state after unsuspend", got.State, keypair.StateActive)

	err = s.SetKeypairState(ctx, "missing", keypair.StateSuspended, at(7), event(4, "Suspend", "missing"))
	wantErr(t, "SetKeypairState(missing)", err, errNotFound)
	if err := s.SetKeypairState(ctx, kp.ID, keypair.StateDestroyed, at(7), nil); err == nil {
		t.Fatal("SetKeypairState(destroyed) succeeded; destroying goes through DestroyKeypair")
	}

	must(t, s.DestroyKeypair(ctx, kp.ID, kp.Generation, kp.Handle, at(8), event(5, "Delete", kp.ID)))
	err = s.SetKeypairState(ctx, kp.ID, keypair.StateActive, at(9), event(6, "Unsuspend", kp.ID))
	wantErr(t, "SetKeypairState(destroyed keypair)", err, errConflict)
	if n := auditCount(t, s); n != 4 {
		t.Fatalf("audit records: %d, want 4", n)
	}
}

func testKeypairDestroy(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "doomed")
	must(t, s.CreateKeypair(ctx, kp, event(1, "Generate", kp.ID)))
	must(t, s.DestroyKeypair(ctx, kp.ID, kp.Generation, kp.Handle, at(10), event(2, "Delete", kp.ID)))

	got, err := s.GetKeypair(ctx, kp.ID)
	must(t, err)
	if got.Handle.Blob != nil || got.Handle.URI != "" {
		t.Fatalf("destroyed keypair keeps its key handle: %+v", got.Handle)
	}
	h := kp.Handle
	kp.State, kp.UpdatedAt, kp.DestroyedAt = keypair.StateDestroyed, at(10), ptr(at(10))
	kp.Handle = keys.Handle{Backend: kp.Handle.Backend}
	same(t, "destroyed keypair", got, kp)

	// Destroying again keeps the first destruction time.
	must(t, s.DestroyKeypair(ctx, kp.ID, kp.Generation, h, at(20), event(3, "Delete", kp.ID)))
	got, err = s.GetKeypair(ctx, kp.ID)
	must(t, err)
	same(t, "destroyed_at after a second destroy", got.DestroyedAt, ptr(at(10)))

	err = s.DestroyKeypair(ctx, "missing", 1, h, at(10), event(4, "Delete", "missing"))
	wantErr(t, "DestroyKeypair(missing)", err, errNotFound)

	// The alias stays taken: the record and its history remain.
	err = s.CreateKeypair(ctx, newKeypair(2, "doomed"), nil)
	wantErr(t, "CreateKeypair(alias of a destroyed keypair)", err, errConflict)

	// The destruction applies only to the key the caller destroyed: once a
	// rotation (or a re-wrap) has replaced it, it is refused and changes
	// nothing, so the new key is never left unreferenced.
	dyn := newKeypair(3, "dyn")
	dyn.Type = keypair.TypeDynamic
	must(t, s.CreateKeypair(ctx, dyn, nil))
	next := keys.Handle{Backend: "disk", URI: "disk:dyn", KEK: "kek-1", Blob: []byte("generation 4")}
	must(t, s.RotateKey(ctx, dyn.ID, dyn.Generation, next, []byte{0x30, 4}, at(11), nil))
	before := auditCount(t, s)
	err = s.DestroyKeypair(ctx, dyn.ID, dyn.Generation, dyn.Handle, at(12), event(5, "Delete", dyn.ID))
	wantErr(t, "DestroyKeypair(rotated since read)", err, errConflict)
	err = s.DestroyKeypair(ctx, dyn.ID, dyn.Generation+1, dyn.Handle, at(12), event(6, "Delete", dyn.ID))
	wantErr(t, "DestroyKeypair(another handle)", err, errConflict)
	got, err = s.GetKeypair(ctx, dyn.ID)
	must(t, err)
	if got.State != keypair.StateActive || !reflect.DeepEqual(got.Handle, next) {
		t.Fatalf("refused destruction changed the keypair: state %q, handle %+v", got.State, got.Handle)
	}
	if n := auditCount(t, s); n != before {
		t.Fatalf("refused destructions were audited: %d records, want %d", n, before)
	}
	must(t, s.DestroyKeypair(ctx, dyn.ID, got.Generation, got.Handle, at(13), event(7, "Delete", dyn.ID)))
}

func testKeyHandle(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "k")
	must(t, s.CreateKeypair(ctx, kp, nil))
	h := keys.Handle{Backend: "disk", URI: "disk:k2", KEK: "kek-2", Blob: []byte("rewrapped")}
	must(t, s.SetKeyHandle(ctx, kp.ID, kp.Generation, kp.Handle, h))
	got, err := s.GetKeypair(ctx, kp.ID)
	must(t, err)
	old := kp.Handle
	kp.Handle = h
	same(t, "keypair after SetKeyHandle", got, kp)

	// The write is conditional on what was read: a handle re-wrapped from
	// an older read (the handle replaced meanwhile, or another generation
	// made) is refused and changes nothing.
	h3 := keys.Handle{Backend: "disk", URI: "disk:k3", KEK: "kek-3", Blob: []byte("stale")}
	wantErr(t, "SetKeyHandle(handle replaced since read)", s.SetKeyHandle(ctx, kp.ID, kp.Generation, old, h3), errConflict)
	wantErr(t, "SetKeyHandle(generation moved on)", s.SetKeyHandle(ctx, kp.ID, kp.Generation-1, h, h3), errConflict)
	must(t, s.RotateKey(ctx, kp.ID, kp.Generation, keys.Handle{Backend: "disk", URI: "disk:k", KEK: "kek-2", Blob: []byte("gen 4")},
		[]byte{0x30, 4}, at(2), nil))
	wantErr(t, "SetKeyHandle(rotated since read)", s.SetKeyHandle(ctx, kp.ID, kp.Generation, h, h3), errConflict)
	got, err = s.GetKeypair(ctx, kp.ID)
	must(t, err)
	same(t, "handle after refused writes", got.Handle, keys.Handle{Backend: "disk", URI: "disk:k", KEK: "kek-2", Blob: []byte("gen 4")})
	must(t, s.SetKeyHandle(ctx, kp.ID, got.Generation, got.Handle, h3))

	// A handle without a blob (an HSM key) matches too.
	hsm := newKeypair(2, "hsm")
	hsm.Handle = keys.Handle{Backend: "hsm", URI: "pkcs11:id=%01"}
	must(t, s.CreateKeypair(ctx, hsm, nil))
	must(t, s.SetKeyHandle(ctx, hsm.ID, hsm.Generation, hsm.Handle, keys.Handle{Backend: "hsm", URI: "pkcs11:id=%02"}))

	wantErr(t, "SetKeyHandle(missing)", s.SetKeyHandle(ctx, "missing", 1, h, h), errNotFound)
	must(t, s.DestroyKeypair(ctx, kp.ID, got.Generation, h3, at(3), nil))
	wantErr(t, "SetKeyHandle(destroyed)", s.SetKeyHandle(ctx, kp.ID, got.Generation, h3, h), errConflict)
}
