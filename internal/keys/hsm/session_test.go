//go:build cgo && !nohsm

package hsm

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/keys/keystest"
	"github.com/signet-project/signet/internal/sigalg"
)

// attrs reads attributes of the key object of class with the handle's CKA_ID.
func attrs(t *testing.T, k *HSM, h keys.Handle, class uint, types ...uint) ([]*pkcs11.Attribute, error) {
	t.Helper()
	id, err := k.keyID(h)
	if err != nil {
		t.Fatal(err)
	}
	var out []*pkcs11.Attribute
	err = k.do(t.Context(), func(sh pkcs11.SessionHandle) error {
		o, err := findObject(k.p, sh, class, id)
		if err != nil {
			return err
		}
		var tmpl []*pkcs11.Attribute
		for _, typ := range types {
			tmpl = append(tmpl, pkcs11.NewAttribute(typ, nil))
		}
		out, err = k.p.GetAttributeValue(sh, o, tmpl)
		return err
	})
	return out, err
}

func TestPrivateKeysStayOnToken(t *testing.T) {
	k := newHSM(t, nil, nil)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	imported, err := k.Import(t.Context(), keystest.NewSpec(p256), ek)
	if err != nil {
		t.Fatal(err)
	}
	flags := []uint{pkcs11.CKA_TOKEN, pkcs11.CKA_PRIVATE, pkcs11.CKA_SENSITIVE, pkcs11.CKA_EXTRACTABLE,
		pkcs11.CKA_SIGN, pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE}
	for _, c := range []struct {
		name string
		alg  keys.Algorithm
		want []byte // one byte per flag
	}{
		{"rsa", rsa2048, []byte{1, 1, 1, 0, 1, 1, 1}},
		{"ecdsa", p256, []byte{1, 1, 1, 0, 1, 1, 1}},
		{"ed25519", ed, []byte{1, 1, 1, 0, 1, 1, 1}},
		{"imported", keys.Algorithm{}, []byte{1, 1, 1, 0, 1, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := imported
			spec := keystest.NewSpec(c.alg)
			if c.alg.Type != "" {
				var err error
				if h, _, err = k.Create(t.Context(), spec); err != nil {
					t.Fatal(err)
				}
			}
			got, err := attrs(t, k, h, pkcs11.CKO_PRIVATE_KEY, flags...)
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range got {
				if len(a.Value) != 1 || a.Value[0] != c.want[i] {
					t.Errorf("attribute %#x = %v; want %d", flags[i], a.Value, c.want[i])
				}
			}
			id, _ := attrs(t, k, h, pkcs11.CKO_PRIVATE_KEY, pkcs11.CKA_ID, pkcs11.CKA_LABEL)
			if len(id[0].Value) != 16 || (c.alg.Type != "" && string(id[1].Value) != spec.Label) {
				t.Errorf("CKA_ID %x, CKA_LABEL %q; want 16 bytes and %q", id[0].Value, id[1].Value, spec.Label)
			}
			secret := uint(pkcs11.CKA_VALUE)
			if c.alg.Type == sigalg.RSA {
				secret = pkcs11.CKA_PRIVATE_EXPONENT
			}
			if _, err := attrs(t, k, h, pkcs11.CKO_PRIVATE_KEY, secret); !is(err, pkcs11.CKR_ATTRIBUTE_SENSITIVE) {
				t.Errorf("reading the private value: %v; want CKR_ATTRIBUTE_SENSITIVE", err)
			}
		})
	}
}

// logout logs the application out of the token behind the pool's back.
func logout(t *testing.T, k *HSM) {
	t.Helper()
	sh, err := k.pool.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer k.pool.put(sh, false)
	if err := k.p.Logout(sh); err != nil {
		t.Fatalf("C_Logout: %v", err)
	}
	if k.pool.loggedIn(sh) {
		t.Fatal("still logged in after C_Logout")
	}
}

func TestReloginAfterLogout(t *testing.T) {
	k := newHSM(t, nil, nil)
	h, s := create(t, k, p256)
	mustSign(t, s)
	logout(t, k)
	mustSign(t, s) // SoftHSM2 reports CKR_OBJECT_HANDLE_INVALID for the cached handle
	logout(t, k)
	if _, err := k.Signer(t.Context(), h); err != nil { // and finds no private object
		t.Fatalf("Signer after logout: %v", err)
	}
	logout(t, k)
	if err := k.Destroy(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	if objs, _ := attrs(t, k, h, pkcs11.CKO_PRIVATE_KEY, pkcs11.CKA_ID); objs != nil {
		t.Fatal("Destroy after a logout left the private key")
	}
}

// dropLogin makes the next SignInit, once armed, find the login gone and
// report CKR_USER_NOT_LOGGED_IN, as hardware tokens do when they drop a
// login (SoftHSM2 itself reports stale object handles instead).
type dropLogin struct {
	p11
	armed    atomic.Bool
	reported atomic.Int32
}

func (d *dropLogin) SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error {
	if d.armed.CompareAndSwap(true, false) {
		d.Logout(sh)
		d.reported.Add(1)
		return pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)
	}
	return d.p11.SignInit(sh, m, o)
}

func TestReloginOnUserNotLoggedIn(t *testing.T) {
	var d *dropLogin
	k := newHSM(t, nil, func(p p11) p11 { d = &dropLogin{p11: p}; return d })
	_, s := create(t, k, p256)
	d.armed.Store(true)
	mustSign(t, s)
	if got := d.reported.Load(); got != 1 {
		t.Fatalf("token reported CKR_USER_NOT_LOGGED_IN %d times; want 1", got)
	}
	sh, _ := k.pool.get(t.Context())
	defer k.pool.put(sh, false)
	if !k.pool.loggedIn(sh) {
		t.Fatal("not logged in again")
	}
}

func TestDeadSessionReplaced(t *testing.T) {
	k := newHSM(t, nil, nil)
	_, s := create(t, k, p256)
	var held []pkcs11.SessionHandle
	for range 3 {
		sh, err := k.pool.get(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, sh)
	}
	for _, sh := range held {
		k.pool.put(sh, false)
	}
	k.pool.mu.Lock()
	for _, sh := range k.pool.idle {
		k.p.CloseSession(sh) // the pool still holds the dead handles
	}
	k.pool.mu.Unlock()
	mustSign(t, s)
}

func TestPoolWaitsAndHonoursContext(t *testing.T) {
	tok := hsmtest.NewToken(t)
	o := tok.Options()
	o.PoolSize = 1
	k, err := open(t.Context(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	sh, err := k.pool.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := k.Signer(ctx, keys.Handle{Backend: Backend, URI: URI{Token: k.label, ID: []byte{1}}.String()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Signer on a full pool with a cancelled context: %v", err)
	}
	k.pool.put(sh, false)
}

// failGenerate makes the first GenerateKeyPairs report CKR_GENERAL_ERROR
// after the token made the objects, as SoftHSM2 does now and then when a
// generation overlaps other sessions' reads.
type failGenerate struct {
	p11
	fail atomic.Int32 // how many more to fail
	ids  [][]byte     // CKA_IDs of the failed attempts
	rv   uint         // the failure (default CKR_GENERAL_ERROR)
}

func (f *failGenerate) GenerateKeyPair(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, pub, priv []*pkcs11.Attribute) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error) {
	a, b, err := f.p11.GenerateKeyPair(sh, m, pub, priv)
	if err == nil && f.fail.Add(-1) >= 0 {
		for _, at := range priv {
			if at.Type == pkcs11.CKA_ID {
				f.ids = append(f.ids, at.Value)
			}
		}
		if f.rv != 0 {
			return 0, 0, pkcs11.Error(f.rv)
		}
		return 0, 0, pkcs11.Error(pkcs11.CKR_GENERAL_ERROR)
	}
	return a, b, err
}

// TestGenerateRetriesTemplateInconsistent: SoftHSM2 also reports
// CKR_TEMPLATE_INCONSISTENT for a template that works when generations
// overlap other sessions (issue 573): tried again the same way.
func TestGenerateRetriesTemplateInconsistent(t *testing.T) {
	var f *failGenerate
	k := newHSM(t, nil, func(p p11) p11 { f = &failGenerate{p11: p, rv: pkcs11.CKR_TEMPLATE_INCONSISTENT}; return f })
	f.fail.Store(1)
	_, s := create(t, k, p256)
	mustSign(t, s)
	if len(f.ids) != 1 {
		t.Fatalf("%d failed attempts, want 1", len(f.ids))
	}
	if _, err := k.public(t.Context(), f.ids[0]); err == nil {
		t.Errorf("the objects of the failed attempt are still on the token")
	}
}

// TestGenerateRetriesGeneralError: a generation that fails with
// CKR_GENERAL_ERROR is tried again under a new CKA_ID, and what the failed
// attempt left on the token is destroyed; a third failure is reported.
func TestGenerateRetriesGeneralError(t *testing.T) {
	var f *failGenerate
	k := newHSM(t, nil, func(p p11) p11 { f = &failGenerate{p11: p}; return f })
	f.fail.Store(2)
	_, s := create(t, k, p256)
	mustSign(t, s)
	if len(f.ids) != 2 {
		t.Fatalf("%d failed attempts, want 2", len(f.ids))
	}
	for _, id := range f.ids {
		if _, err := k.public(t.Context(), id); err == nil {
			t.Errorf("the objects of failed attempt %x are still on the token", id)
		}
	}
	f.fail.Store(maxGenerate)
	if _, _, err := k.Create(t.Context(), keystest.NewSpec(p256)); err == nil || !strings.Contains(err.Error(), "CKR_GENERAL_ERROR") {
		t.Fatalf("every attempt failing: %v", err)
	}
	if len(f.ids) != 2+maxGenerate {
		t.Fatalf("%d failed attempts, want %d", len(f.ids), 2+maxGenerate)
	}
	for _, id := range f.ids[2:] {
		if _, err := k.public(t.Context(), id); err == nil {
			t.Errorf("the objects of failed attempt %x are still on the token", id)
		}
	}
}
