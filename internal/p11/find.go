package p11

import (
	"context"
	"fmt"
	"log/slog"
)

// snapshot returns the login state and the current backend and store.
func (m *Module) snapshot() (b Backend, loggedIn, pinMode bool, st *store) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.backend, m.loggedIn, m.pinLogin != nil, m.store
}

// filter returns the SIGNET_PKCS11_KEYS filter.
func (m *Module) filter() func(string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.show
}

// FindObjectsInit is C_FindObjectsInit. It refreshes the objects from the
// backend when the cached list is older than the cache TTL.
func (m *Module) FindObjectsInit(h SessionHandle, tmpl []Attribute) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	t, rv := DecodeTemplate(tmpl)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finding {
		return CKR_OPERATION_ACTIVE
	}
	b, loggedIn, pinMode, st := m.snapshot()
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.timeout)
	defer cancel()
	if err := st.refresh(ctx, b, m.opts.now(), m.opts.ttl, m.filter(), pinMode, m.logger()); err != nil {
		m.logger().Error("listing keypairs failed", "err", err)
		return backendRV(err)
	}
	var found []ObjectHandle
	for _, o := range st.all() {
		if o.attrs[CKA_PRIVATE][0] == 1 && !loggedIn {
			continue
		}
		if t.matches(o) {
			found = append(found, o.handle)
		}
	}
	s.find, s.finding = found, true
	return CKR_OK
}

// FindObjects is C_FindObjects: up to max handles of the active search.
func (m *Module) FindObjects(h SessionHandle, max int) ([]ObjectHandle, RV) {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return nil, rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finding {
		return nil, CKR_OPERATION_NOT_INITIALIZED
	}
	n := min(max, len(s.find))
	out := s.find[:n:n]
	s.find = s.find[n:]
	return out, CKR_OK
}

// FindObjectsFinal is C_FindObjectsFinal.
func (m *Module) FindObjectsFinal(h SessionHandle) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finding {
		return CKR_OPERATION_NOT_INITIALIZED
	}
	s.find, s.finding = nil, false
	return CKR_OK
}

// object returns the object h as session s may see it.
func (m *Module) object(h ObjectHandle) (*object, RV) {
	_, loggedIn, _, st := m.snapshot()
	if st == nil {
		return nil, CKR_CRYPTOKI_NOT_INITIALIZED
	}
	o := st.get(h)
	if o == nil || (o.attrs[CKA_PRIVATE][0] == 1 && !loggedIn) {
		return nil, CKR_OBJECT_HANDLE_INVALID
	}
	return o, CKR_OK
}

// GetAttributeValue is C_GetAttributeValue; see [Attribute] for how the
// caller's buffers are passed and lengths returned.
func (m *Module) GetAttributeValue(h SessionHandle, obj ObjectHandle, tmpl []Attribute) RV {
	if _, rv := m.session(h); rv != CKR_OK {
		return rv
	}
	o, rv := m.object(obj)
	if rv != CKR_OK {
		return rv
	}
	rv = o.getAttributes(tmpl)
	if log := m.logger(); log.Enabled(context.Background(), slog.LevelDebug) {
		types := make([]string, len(tmpl))
		for i, a := range tmpl {
			types[i] = fmt.Sprintf("0x%x", uint(a.Type))
		}
		log.Debug("attributes", "object", obj, "types", types, "rv", rv)
	}
	return rv
}

// GetObjectSize is C_GetObjectSize: the total length of the attributes.
func (m *Module) GetObjectSize(h SessionHandle, obj ObjectHandle) (uint, RV) {
	if _, rv := m.session(h); rv != CKR_OK {
		return 0, rv
	}
	o, rv := m.object(obj)
	if rv != CKR_OK {
		return 0, rv
	}
	var n uint
	for _, v := range o.attrs {
		n += uint(len(v))
	}
	return n, CKR_OK
}
