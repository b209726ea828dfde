package p11

import (
	"context"
	"crypto/ecdsa"
	"errors"

	"github.com/signet-project/signet/internal/client"
)

// SignInit is C_SignInit.
func (m *Module) SignInit(h SessionHandle, mech Mechanism, key ObjectHandle) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sign != nil {
		return CKR_OPERATION_ACTIVE
	}
	o, rv := m.object(key)
	if rv != CKR_OK {
		return CKR_KEY_HANDLE_INVALID
	}
	op, rv := newOperation(o, mech, true)
	if rv != CKR_OK {
		return rv
	}
	s.sign = op
	return CKR_OK
}

// Sign is C_Sign. sig is the caller's buffer, nil for a NULL pSignature:
// then, or when sig is too small (CKR_BUFFER_TOO_SMALL), it returns the
// signature length and the operation stays active, without asking the
// server anything. Otherwise it returns the length written.
func (m *Module) Sign(h SessionHandle, data, sig []byte) (uint, RV) {
	return m.sign(h, data, sig, false)
}

// SignUpdate is C_SignUpdate: for hash-and-sign mechanisms (hashed here as
// the data streams by) and EdDSA.
func (m *Module) SignUpdate(h SessionHandle, data []byte) RV {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sign == nil {
		return CKR_OPERATION_NOT_INITIALIZED
	}
	if rv := s.sign.update(data); rv != CKR_OK {
		s.sign = nil
		return rv
	}
	return CKR_OK
}

// SignFinal is C_SignFinal, with the same length rules as [Module.Sign].
func (m *Module) SignFinal(h SessionHandle, sig []byte) (uint, RV) {
	return m.sign(h, nil, sig, true)
}

func (m *Module) sign(h SessionHandle, data, sig []byte, final bool) (uint, RV) {
	s, rv := m.session(h)
	if rv != CKR_OK {
		return 0, rv
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.sign
	if op == nil {
		return 0, CKR_OPERATION_NOT_INITIALIZED
	}
	if !final && op.updated {
		s.sign = nil
		return 0, CKR_OPERATION_ACTIVE // C_Sign cannot finish a multi-part operation
	}
	if sig == nil || len(sig) < op.sigLen {
		if sig == nil {
			return uint(op.sigLen), CKR_OK
		}
		return uint(op.sigLen), CKR_BUFFER_TOO_SMALL
	}
	s.sign = nil
	out, rv := m.signWithBackend(op, data, final)
	if rv != CKR_OK {
		return 0, rv
	}
	return uint(copy(sig, out)), CKR_OK
}

// signWithBackend asks the backend for the signature, converts it to the
// PKCS#11 form and checks it with the key's public key, so that a
// signature made with another key (a dynamic key replaced meanwhile) is
// never handed out.
func (m *Module) signWithBackend(op *operation, data []byte, final bool) ([]byte, RV) {
	log := m.logger()
	alg, hash, payload, err := op.input(data, final)
	if err != nil {
		var ed errData
		errors.As(err, &ed)
		log.Error("sign: bad input", "alias", op.key.Alias, "mechanism", op.typ, "err", err)
		return nil, ed.rv
	}
	b, _, _, st := m.snapshot()
	if b == nil {
		return nil, CKR_USER_NOT_LOGGED_IN
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.opts.timeout)
	defer cancel()
	sig, err := b.Sign(ctx, *op.key, alg, payload, m.env.tool())
	var ae *client.APIError
	if errors.As(err, &ae) && ae.Code == "keypair_rotated" {
		// The server refused before signing: the key shown is no longer
		// the keypair's. Read the keys again next time.
		log.Error("sign: the key was replaced since it was listed", "alias", op.key.Alias, "generation", op.key.Generation, "err", err)
		if st != nil {
			st.invalidate()
		}
		if f, ok := b.(interface{ Forget() }); ok {
			f.Forget()
		}
		return nil, CKR_KEY_CHANGED
	}
	if err != nil {
		log.Error("sign failed", "alias", op.key.Alias, "sig_alg", alg, "err", err)
		return nil, backendRV(err)
	}
	if pub, ok := op.key.Public.(*ecdsa.PublicKey); ok {
		if sig, err = ecdsaRaw(sig, (pub.Curve.Params().BitSize+7)/8); err != nil {
			log.Error("sign: bad signature from the server", "alias", op.key.Alias, "err", err)
			return nil, CKR_DEVICE_ERROR
		}
	}
	if rv := op.verify(hash, payload, sig); rv != CKR_OK {
		log.Error("sign: the signature does not match the public key; the key was probably replaced", "alias", op.key.Alias, "generation", op.key.Generation)
		if st != nil {
			st.invalidate()
		}
		if f, ok := b.(interface{ Forget() }); ok {
			f.Forget()
		}
		return nil, CKR_KEY_CHANGED
	}
	log.Info("signed", "alias", op.key.Alias, "sig_alg", alg)
	return sig, CKR_OK
}
