//go:build cgo && !nohsm

package hsm

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/miekg/pkcs11"
)

// p11 is the part of the PKCS#11 API the backend uses. *pkcs11.Ctx
// implements it; tests wrap it to inject token behaviour.
type p11 interface {
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetTokenInfo(slotID uint) (pkcs11.TokenInfo, error)
	OpenSession(slotID uint, flags uint) (pkcs11.SessionHandle, error)
	CloseSession(sh pkcs11.SessionHandle) error
	GetSessionInfo(sh pkcs11.SessionHandle) (pkcs11.SessionInfo, error)
	Login(sh pkcs11.SessionHandle, userType uint, pin string) error
	Logout(sh pkcs11.SessionHandle) error
	GenerateKeyPair(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, public, private []*pkcs11.Attribute) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error)
	CreateObject(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) (pkcs11.ObjectHandle, error)
	DestroyObject(sh pkcs11.SessionHandle, oh pkcs11.ObjectHandle) error
	FindObjectsInit(sh pkcs11.SessionHandle, temp []*pkcs11.Attribute) error
	FindObjects(sh pkcs11.SessionHandle, max int) ([]pkcs11.ObjectHandle, bool, error)
	FindObjectsFinal(sh pkcs11.SessionHandle) error
	GetAttributeValue(sh pkcs11.SessionHandle, o pkcs11.ObjectHandle, a []*pkcs11.Attribute) ([]*pkcs11.Attribute, error)
	SignInit(sh pkcs11.SessionHandle, m []*pkcs11.Mechanism, o pkcs11.ObjectHandle) error
	Sign(sh pkcs11.SessionHandle, message []byte) ([]byte, error)
}

// module is a loaded PKCS#11 library, shared by the backends of a process:
// a module may be initialized only once per process.
type module struct {
	key   string
	ctx   *pkcs11.Ctx
	refs  int
	owned bool // this package called C_Initialize, so it calls C_Finalize
}

var (
	modulesMu sync.Mutex
	modules   = map[string]*module{}
)

// openModule loads and initializes the module at path, or shares the one
// already loaded.
func openModule(path string) (*module, error) {
	key, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("keys/hsm: PKCS#11 module %s: %w", path, err)
	}
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m := modules[key]; m != nil {
		m.refs++
		return m, nil
	}
	ctx := pkcs11.New(key)
	if ctx == nil {
		return nil, fmt.Errorf("keys/hsm: cannot load PKCS#11 module %s (not a shared library for this system, or on a noexec file system)", path)
	}
	m := &module{key: key, ctx: ctx, refs: 1, owned: true}
	if err := ctx.Initialize(); err != nil {
		if !errors.Is(err, pkcs11.Error(pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
			ctx.Destroy()
			return nil, fmt.Errorf("keys/hsm: initializing PKCS#11 module %s: %w", path, err)
		}
		m.owned = false // someone else in this process initialized it
	}
	modules[key] = m
	return m, nil
}

// release drops a reference; the last one finalizes and unloads the module.
func (m *module) release() {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m.refs--; m.refs > 0 {
		return
	}
	delete(modules, m.key)
	if m.owned {
		m.ctx.Finalize()
	}
	m.ctx.Destroy()
}

// findSlot returns the slot holding the token labelled label.
func findSlot(p p11, label string) (uint, error) {
	slots, err := p.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("keys/hsm: listing slots: %w", err)
	}
	var found []uint
	var labels []string
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if ti.Label == label {
			found = append(found, s)
		}
		if ti.Label != "" {
			labels = append(labels, ti.Label)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return 0, fmt.Errorf("keys/hsm: no token labelled %q (tokens present: %q)", label, labels)
	}
	return 0, fmt.Errorf("keys/hsm: %d tokens are labelled %q", len(found), label)
}
