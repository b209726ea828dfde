package p11

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"hash"
	"math/big"
)

// maxPureMessage is the largest message for pure Ed25519 (the API's limit).
const maxPureMessage = 64 << 10

// Mechanism is a CK_MECHANISM; Param holds the bytes of pParameter.
type Mechanism struct {
	Type  MechanismType
	Param []byte
}

// operation is an active signature or verification.
type operation struct {
	typ     MechanismType
	mech    mechanism
	key     *Key
	pss     pssParams
	prehash bool      // Ed25519ph
	h       hash.Hash // running hash of multi-part data
	msg     []byte    // pure Ed25519 message of multi-part data
	updated bool      // C_SignUpdate was called
	sigLen  int
}

// errData carries the return value for bad input with its explanation.
type errData struct {
	rv  RV
	msg string
}

func (e errData) Error() string { return e.msg }

// newOperation checks that o may be used with mechanism mt: a private key
// to sign, a public key to verify.
func newOperation(o *object, mt Mechanism, sign bool) (*operation, RV) {
	switch {
	case o.class == CKO_CERTIFICATE:
		return nil, CKR_KEY_HANDLE_INVALID
	case sign && o.class != CKO_PRIVATE_KEY, !sign && o.class != CKO_PUBLIC_KEY:
		return nil, CKR_KEY_FUNCTION_NOT_PERMITTED
	}
	mech, ok := lookupMechanism(mt.Type)
	if !ok {
		return nil, CKR_MECHANISM_INVALID
	}
	if kt, _ := decodeULong(o.attrs[CKA_KEY_TYPE]); kt != mech.keyType {
		return nil, CKR_KEY_TYPE_INCONSISTENT
	}
	op := &operation{typ: mt.Type, mech: mech, key: o.key}
	var err error
	switch {
	case mech.pss:
		op.pss, err = decodePSSParams(mt.Param, mech.hash)
	case mech.keyType == CKK_EC_EDWARDS:
		op.prehash, err = decodeEdDSAParams(mt.Param)
	case len(mt.Param) != 0:
		err = errors.New("mechanism takes no parameter")
	}
	if err != nil {
		return nil, CKR_MECHANISM_PARAM_INVALID
	}
	switch p := o.key.Public.(type) {
	case *rsa.PublicKey:
		op.sigLen = p.Size()
	case *ecdsa.PublicKey:
		op.sigLen = 2 * ((p.Curve.Params().BitSize + 7) / 8)
	case ed25519.PublicKey:
		op.sigLen = ed25519.SignatureSize
	}
	if mech.hash != 0 {
		op.h = mech.hash.New()
	} else if op.prehash {
		op.h = sha512.New()
	}
	return op, CKR_OK
}

// update adds multi-part data.
func (op *operation) update(data []byte) RV {
	if !op.mech.multipart {
		return CKR_FUNCTION_NOT_SUPPORTED
	}
	op.updated = true
	if op.h != nil {
		op.h.Write(data)
		return CKR_OK
	}
	if len(op.msg)+len(data) > maxPureMessage {
		return CKR_DATA_LEN_RANGE
	}
	op.msg = append(op.msg, data...)
	return CKR_OK
}

// input returns the API's algorithm name and what to sign: from data for a
// single-part call (final false), from the accumulated data otherwise.
func (op *operation) input(data []byte, final bool) (string, crypto.Hash, []byte, error) {
	if final && !op.mech.multipart {
		return "", 0, nil, errData{CKR_FUNCTION_NOT_SUPPORTED, "mechanism is single-part only"}
	}
	switch {
	case op.h != nil: // hash-and-sign, Ed25519ph
		if !final {
			op.h.Reset()
			op.h.Write(data)
		}
		digest := op.h.Sum(nil)
		if op.prehash {
			return "Ed25519ph", crypto.SHA512, digest, nil
		}
		return algName(op, op.mech.hash), op.mech.hash, digest, nil
	case op.mech.keyType == CKK_EC_EDWARDS:
		msg := data
		if final {
			msg = op.msg
		}
		if len(msg) == 0 || len(msg) > maxPureMessage {
			return "", 0, nil, errData{CKR_DATA_LEN_RANGE, "Ed25519 signs messages of 1 byte to 64 KiB"}
		}
		return "Ed25519", 0, msg, nil
	case op.typ == CKM_RSA_PKCS:
		h, digest, err := ParseDigestInfo(data)
		if err != nil {
			return "", 0, nil, errData{CKR_DATA_INVALID, err.Error()}
		}
		return algName(op, h), h, digest, nil
	case op.mech.pss:
		if len(data) != op.pss.hash.Size() {
			return "", 0, nil, errData{CKR_DATA_LEN_RANGE, "CKM_RSA_PKCS_PSS input must be the digest named by its parameters"}
		}
		return algName(op, op.pss.hash), op.pss.hash, data, nil
	default: // CKM_ECDSA
		h, ok := hashOfSize(len(data))
		if !ok {
			return "", 0, nil, errData{CKR_DATA_LEN_RANGE, "CKM_ECDSA input must be a SHA-256, SHA-384 or SHA-512 digest"}
		}
		return algName(op, h), h, data, nil
	}
}

// algName is the API's name of the signature algorithm.
func algName(op *operation, h crypto.Hash) string {
	n := map[crypto.Hash]string{crypto.SHA256: "SHA256", crypto.SHA384: "SHA384", crypto.SHA512: "SHA512"}[h]
	switch {
	case op.mech.keyType == CKK_EC:
		return n + "withECDSA"
	case op.mech.pss:
		return n + "withRSA/PSS"
	}
	return n + "withRSA"
}

// verify checks a signature in PKCS#11 form (r||s for ECDSA) of payload,
// the digest or Ed25519 message returned by input.
func (op *operation) verify(h crypto.Hash, payload, sig []byte) RV {
	if len(sig) != op.sigLen {
		return CKR_SIGNATURE_LEN_RANGE
	}
	ok := false
	switch p := op.key.Public.(type) {
	case *rsa.PublicKey:
		if op.mech.pss {
			ok = rsa.VerifyPSS(p, h, payload, sig, &rsa.PSSOptions{SaltLength: op.pss.salt, Hash: h}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(p, h, payload, sig) == nil
		}
	case *ecdsa.PublicKey:
		n := len(sig) / 2
		ok = ecdsa.Verify(p, payload, new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
	case ed25519.PublicKey:
		if op.prehash {
			ok = ed25519.VerifyWithOptions(p, payload, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
		} else {
			ok = ed25519.Verify(p, payload, sig)
		}
	}
	if !ok {
		return CKR_SIGNATURE_INVALID
	}
	return CKR_OK
}
