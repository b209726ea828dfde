package p11

import "errors"

// VerifyInit is C_VerifyInit. Verification is done here, with the public
// key object, without the server.
func (m *Module) VerifyInit(h SessionHandle, mech Mechanism, key ObjectHandle) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verify != nil {
		return CKR_OPERATION_ACTIVE
	}
	o, rv := m.object(key)
	if rv != CKR_OK {
		return CKR_KEY_HANDLE_INVALID
	}
	op, rv := newOperation(o, mech, false)
	if rv != CKR_OK {
		return rv
	}
	s.verify = op
	return CKR_OK
}

// Verify is C_Verify.
func (m *Module) Verify(h SessionHandle, data, sig []byte) RV {
	return m.verifyDone(h, data, sig, false)
}

// VerifyUpdate is C_VerifyUpdate.
func (m *Module) VerifyUpdate(h SessionHandle, data []byte) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.verify == nil {
		return CKR_OPERATION_NOT_INITIALIZED
	}
	if rv := s.verify.update(data); rv != CKR_OK {
		s.verify = nil
		return rv
	}
	return CKR_OK
}

// VerifyFinal is C_VerifyFinal.
func (m *Module) VerifyFinal(h SessionHandle, sig []byte) RV {
	return m.verifyDone(h, nil, sig, true)
}

func (m *Module) verifyDone(h SessionHandle, data, sig []byte, final bool) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.verify
	if op == nil {
		return CKR_OPERATION_NOT_INITIALIZED
	}
	s.verify = nil
	if !final && op.updated {
		return CKR_OPERATION_ACTIVE
	}
	_, hash, payload, err := op.input(data, final)
	if err != nil {
		var ed errData
		errors.As(err, &ed)
		return ed.rv
	}
	return op.verify(hash, payload, sig)
}
