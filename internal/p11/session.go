package p11

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// session is one session; mu serializes its operations.
type session struct {
	mu      sync.Mutex
	handle  SessionHandle
	flags   uint
	find    []ObjectHandle // results left to return; nil when no search is active
	finding bool
	sign    *operation
	verify  *operation
}

// SessionInfo is a CK_SESSION_INFO.
type SessionInfo struct {
	SlotID, State, Flags, DeviceError uint
}

// OpenSession is C_OpenSession. Read-write sessions are allowed (some tools
// ask for them to sign) though the token creates no objects.
func (m *Module) OpenSession(slot, flags uint) (SessionHandle, RV) {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return 0, rv
	}
	if flags&CKF_SERIAL_SESSION == 0 {
		return 0, CKR_SESSION_PARALLEL_NOT_SUPPORTED
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextSession++
	s := &session{handle: m.nextSession, flags: flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION)}
	m.sessions[s.handle] = s
	return s.handle, CKR_OK
}

// CloseSession is C_CloseSession. Closing the last session logs out.
func (m *Module) CloseSession(h SessionHandle) RV {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized {
		return CKR_CRYPTOKI_NOT_INITIALIZED
	}
	if _, ok := m.sessions[h]; !ok {
		return CKR_SESSION_HANDLE_INVALID
	}
	delete(m.sessions, h)
	if len(m.sessions) == 0 {
		m.logoutLocked()
	}
	return CKR_OK
}

// CloseAllSessions is C_CloseAllSessions.
func (m *Module) CloseAllSessions(slot uint) RV {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return rv
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions = map[SessionHandle]*session{}
	m.logoutLocked()
	return CKR_OK
}

// session returns the session h.
func (m *Module) session(h SessionHandle) (*session, RV) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized {
		return nil, CKR_CRYPTOKI_NOT_INITIALIZED
	}
	s, ok := m.sessions[h]
	if !ok {
		return nil, CKR_SESSION_HANDLE_INVALID
	}
	return s, CKR_OK
}

// GetSessionInfo is C_GetSessionInfo.
func (m *Module) GetSessionInfo(h SessionHandle) (SessionInfo, RV) {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return SessionInfo{}, rv
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := CKS_RO_PUBLIC_SESSION
	if s.flags&CKF_RW_SESSION != 0 {
		st = CKS_RW_PUBLIC_SESSION
	}
	if m.loggedIn {
		st++ // CKS_RO_USER_FUNCTIONS or CKS_RW_USER_FUNCTIONS
	}
	return SessionInfo{SlotID: SlotID, State: st, Flags: s.flags}, CKR_OK
}

// Login is C_Login. pin is nil for a NULL pPin. When the credentials come
// from the environment or the configuration file any PIN is accepted: the
// API key and client certificate are the credentials, and the PIN only
// satisfies tools that insist on logging in. In PIN mode the PIN is the API
// key and is checked with the server. There is no security officer.
func (m *Module) Login(h SessionHandle, userType uint, pin []byte) RV {
	if _, rv := m.session(h); rv != CKR_OK {
		return rv
	}
	switch userType {
	case CKU_USER:
	case CKU_CONTEXT_SPECIFIC:
		return CKR_OPERATION_NOT_INITIALIZED // no key needs CKA_ALWAYS_AUTHENTICATE
	default:
		return CKR_USER_TYPE_INVALID
	}
	m.mu.Lock()
	login, already := m.pinLogin, m.loggedIn
	m.mu.Unlock()
	if already {
		return CKR_USER_ALREADY_LOGGED_IN
	}
	var b Backend
	if login != nil {
		if len(pin) == 0 {
			return CKR_PIN_INCORRECT
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.opts.timeout)
		defer cancel()
		var err error
		if b, err = login(ctx, string(pin)); err != nil {
			var sc statusCoder
			if errors.As(err, &sc) && sc.StatusCode() == http.StatusUnauthorized {
				m.logger().Warn("login refused: the PIN is not a valid API key")
				return CKR_PIN_INCORRECT
			}
			m.logger().Error("login failed", "err", err)
			return backendRV(err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loggedIn {
		return CKR_USER_ALREADY_LOGGED_IN
	}
	m.loggedIn = true
	if b != nil {
		m.backend = b
		m.store.invalidate()
	}
	return CKR_OK
}

// Logout is C_Logout.
func (m *Module) Logout(h SessionHandle) RV {
	if _, rv := m.session(h); rv != CKR_OK {
		return rv
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loggedIn {
		return CKR_USER_NOT_LOGGED_IN
	}
	m.logoutLocked()
	return CKR_OK
}

// logoutLocked returns to public sessions; in PIN mode it forgets the
// backend (and so the API key).
func (m *Module) logoutLocked() {
	m.loggedIn = false
	if m.pinLogin != nil {
		m.backend = nil
		m.store.invalidate()
	}
}
