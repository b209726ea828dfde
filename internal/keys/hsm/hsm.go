//go:build cgo && !nohsm

package hsm

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keys"
)

// Backend is the name the backend registers under.
const Backend = "hsm"

// Compiled reports whether this build can use PKCS#11 tokens.
const Compiled = true

// DefaultPoolSize is the session pool size when Options.PoolSize is 0.
const DefaultPoolSize = 8

func init() { keys.Register(Backend, New) }

var _ interface {
	keys.KeyManager
	keys.Importer
	keys.Checker
} = (*HSM)(nil)

// ErrClosed is returned by an HSM, and its signers, after Close.
var ErrClosed = errors.New("keys/hsm: backend is closed")

// HSM is the PKCS#11 key backend for one token. It is safe for concurrent use.
type HSM struct {
	mod   *module
	p     p11
	label string
	pool  *pool
	once  sync.Once

	mu      sync.Mutex
	handles map[string]pkcs11.ObjectHandle // private key handles by CKA_ID

	// objects serializes this process's object creation and destruction
	// (generate, import, destroy): SoftHSM2's file object store fails
	// them now and then when they overlap (CKR_GENERAL_ERROR or
	// CKR_TEMPLATE_INCONSISTENT; SoftHSMv2 issue 573). They are rare; signing stays concurrent.
	objects sync.Mutex
}

// New opens the token labelled opts.TokenLabel in the PKCS#11 module at
// opts.Module and logs in with opts.PIN, so that a wrong PIN fails here.
// Handles it accepts are "pkcs11:token=<label>;id=<CKA_ID>" URIs (see
// [ParseURI]) for that token.
func New(ctx context.Context, opts keys.Options) (keys.KeyManager, error) {
	return open(ctx, opts, nil)
}

// open is New with an optional wrapper around the module, for tests.
func open(ctx context.Context, opts keys.Options, wrap func(p11) p11) (*HSM, error) {
	switch {
	case opts.Module == "":
		return nil, errors.New("keys/hsm: no PKCS#11 module path configured")
	case opts.TokenLabel == "":
		return nil, errors.New("keys/hsm: no token label configured")
	case opts.PIN == "":
		return nil, errors.New("keys/hsm: no user PIN configured")
	case opts.PoolSize < 0:
		return nil, fmt.Errorf("keys/hsm: pool size %d is negative", opts.PoolSize)
	}
	size := opts.PoolSize
	if size == 0 {
		size = DefaultPoolSize
	}
	mod, err := openModule(opts.Module)
	if err != nil {
		return nil, err
	}
	var p p11 = mod.ctx
	if wrap != nil {
		p = wrap(p)
	}
	slot, err := findSlot(p, opts.TokenLabel)
	if err != nil {
		mod.release()
		return nil, err
	}
	k := &HSM{mod: mod, p: p, label: opts.TokenLabel, pool: newPool(p, slot, opts.PIN, size),
		handles: map[string]pkcs11.ObjectHandle{}}
	sh, err := k.pool.get(ctx)
	if err == nil {
		err = k.pool.login(sh)
		k.pool.put(sh, false) // an open session keeps the login
	}
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("keys/hsm: token %q: %w", opts.TokenLabel, err)
	}
	return k, nil
}

// Create generates a key pair on the token: token objects with a fresh
// random 16-byte CKA_ID, CKA_LABEL spec.Label, and a private key that is
// private, sensitive, non-extractable and usable only for signing.
func (k *HSM) Create(ctx context.Context, spec keys.Spec) (keys.Handle, crypto.PublicKey, error) {
	var id []byte
	var err error
	for attempt := 1; ; attempt++ {
		id = make([]byte, 16)
		rand.Read(id)
		if err = k.generate(ctx, spec, id); err == nil {
			break
		}
		// SoftHSM2's file object store fails a generation now and then
		// while other sessions read (CKR_GENERAL_ERROR or
		// CKR_TEMPLATE_INCONSISTENT for a template that works, SoftHSMv2
		// issue 573): what the attempt left is destroyed and it is tried
		// again, under a new CKA_ID.
		flaky := errors.Is(err, pkcs11.Error(pkcs11.CKR_GENERAL_ERROR)) ||
			errors.Is(err, pkcs11.Error(pkcs11.CKR_TEMPLATE_INCONSISTENT))
		if flaky {
			_ = k.Destroy(context.WithoutCancel(ctx), k.handle(id))
		}
		if !flaky || attempt == maxGenerate || ctx.Err() != nil {
			return keys.Handle{}, nil, fmt.Errorf("keys/hsm: generating a %s key: %w", spec.Algorithm.Type, err)
		}
	}
	h := k.handle(id)
	pub, err := k.public(ctx, id)
	if err != nil {
		k.Destroy(ctx, h) // leave no orphan on the token
		return keys.Handle{}, nil, err
	}
	return h, pub, nil
}

// maxGenerate bounds the attempts of one key generation.
const maxGenerate = 3

// generate makes the key pair with CKA_ID id.
func (k *HSM) generate(ctx context.Context, spec keys.Spec, id []byte) error {
	mech, pubT, privT, err := keyTemplates(spec.Algorithm, id, spec.Label)
	if err != nil {
		return err
	}
	k.objects.Lock()
	defer k.objects.Unlock()
	return k.do(ctx, func(sh pkcs11.SessionHandle) error {
		_, _, err := k.p.GenerateKeyPair(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pubT, privT)
		return err
	})
}

// Signer returns a signer for the key; its public key is read from the token.
func (k *HSM) Signer(ctx context.Context, h keys.Handle) (crypto.Signer, error) {
	id, err := k.keyID(h)
	if err != nil {
		return nil, err
	}
	pub, err := k.public(ctx, id)
	if err != nil {
		return nil, err
	}
	return &signer{k: k, id: id, pub: pub}, nil
}

// public checks that the private key exists and reads the public key.
func (k *HSM) public(ctx context.Context, id []byte) (crypto.PublicKey, error) {
	var pub crypto.PublicKey
	err := k.do(ctx, func(sh pkcs11.SessionHandle) error {
		if _, err := k.privateKey(sh, id); err != nil {
			return err
		}
		o, err := findObject(k.p, sh, pkcs11.CKO_PUBLIC_KEY, id)
		if err != nil {
			return err
		}
		pub, err = publicKey(k.p, sh, o)
		return err
	})
	return pub, k.keyErr(id, err)
}

// Destroy destroys the key's private and public objects. Destroying a key
// that is already gone succeeds.
func (k *HSM) Destroy(ctx context.Context, h keys.Handle) error {
	id, err := k.keyID(h)
	if err != nil {
		return err
	}
	k.objects.Lock()
	defer k.objects.Unlock()
	err = k.do(ctx, func(sh pkcs11.SessionHandle) error {
		if !k.pool.loggedIn(sh) { // private objects are invisible otherwise
			return pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)
		}
		for _, class := range []uint{pkcs11.CKO_PRIVATE_KEY, pkcs11.CKO_PUBLIC_KEY} {
			objs, err := findObjects(k.p, sh, class, id)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if err := k.p.DestroyObject(sh, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	k.mu.Lock()
	delete(k.handles, string(id))
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("keys/hsm: destroying key %x: %w", id, err)
	}
	return nil
}

// Check opens and closes a session on the token.
func (k *HSM) Check(ctx context.Context) error {
	if err := k.pool.probe(ctx); err != nil {
		return errs.Wrap(err, http.StatusServiceUnavailable, "hsm_unavailable", "HSM token %q is not available", k.label)
	}
	return nil
}

// Close closes the sessions, once those in use are returned, and releases
// the module; the last backend using a module finalizes it.
func (k *HSM) Close() error {
	k.once.Do(func() {
		k.pool.close()
		k.mod.release()
	})
	return nil
}

func (k *HSM) handle(id []byte) keys.Handle {
	return keys.Handle{Backend: Backend, URI: URI{Token: k.label, ID: id}.String()}
}

// keyID returns the CKA_ID of a handle for this backend's token.
func (k *HSM) keyID(h keys.Handle) ([]byte, error) {
	if h.Backend != Backend {
		return nil, fmt.Errorf("keys/hsm: handle belongs to backend %q", h.Backend)
	}
	u, err := ParseURI(h.URI)
	if err != nil {
		return nil, err
	}
	if u.Token != k.label {
		return nil, fmt.Errorf("keys/hsm: key is on token %q, this backend uses token %q", u.Token, k.label)
	}
	return u.ID, nil
}

// privateKey returns the private key object with CKA_ID id. Cached handles
// are checked against the id, since a token may reuse the handle of a
// destroyed object.
func (k *HSM) privateKey(sh pkcs11.SessionHandle, id []byte) (pkcs11.ObjectHandle, error) {
	k.mu.Lock()
	o, ok := k.handles[string(id)]
	k.mu.Unlock()
	if ok {
		a, err := k.p.GetAttributeValue(sh, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, nil)})
		if err == nil && bytes.Equal(a[0].Value, id) {
			return o, nil
		}
	}
	o, err := findObject(k.p, sh, pkcs11.CKO_PRIVATE_KEY, id)
	if err != nil {
		return 0, err
	}
	k.mu.Lock()
	k.handles[string(id)] = o
	k.mu.Unlock()
	return o, nil
}

// forget drops all cached object handles.
func (k *HSM) forget() {
	k.mu.Lock()
	clear(k.handles)
	k.mu.Unlock()
}

// keyErr turns a missing object into a not-found error.
func (k *HSM) keyErr(id []byte, err error) error {
	if errors.Is(err, errNoObject) {
		return errs.Wrap(err, http.StatusNotFound, "key_not_found", "key %x is not on HSM token %q", id, k.label)
	}
	if err != nil {
		return fmt.Errorf("keys/hsm: key %x: %w", id, err)
	}
	return nil
}
