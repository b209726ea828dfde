package p11

import (
	"crypto"
	_ "crypto/sha256" // hashes used by the hash-and-sign mechanisms
	_ "crypto/sha512"
)

// mechanism describes one supported mechanism.
type mechanism struct {
	keyType   uint
	hash      crypto.Hash // hashed locally before signing; 0 when the caller hashes
	pss       bool
	multipart bool // C_SignUpdate / C_VerifyUpdate allowed
	min, max  uint // key sizes in bits
	flags     uint
}

const (
	rsaMin, rsaMax = 2048, 4096
	ecMin, ecMax   = 256, 521
	edSize         = 256
	ecFlags        = CKF_SIGN | CKF_VERIFY | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS
)

// mechanisms are the mechanisms the token offers, in the order listed.
// Hash-and-sign mechanisms are listed because some callers (pkcs11-provider)
// otherwise hand a bare hash to CKM_RSA_PKCS, which cannot be signed right.
var mechanisms = []struct {
	typ MechanismType
	mechanism
}{
	{CKM_RSA_PKCS, mechanism{keyType: CKK_RSA, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA256_RSA_PKCS, mechanism{keyType: CKK_RSA, hash: crypto.SHA256, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA384_RSA_PKCS, mechanism{keyType: CKK_RSA, hash: crypto.SHA384, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA512_RSA_PKCS, mechanism{keyType: CKK_RSA, hash: crypto.SHA512, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_RSA_PKCS_PSS, mechanism{keyType: CKK_RSA, pss: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA256_RSA_PKCS_PSS, mechanism{keyType: CKK_RSA, hash: crypto.SHA256, pss: true, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA384_RSA_PKCS_PSS, mechanism{keyType: CKK_RSA, hash: crypto.SHA384, pss: true, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_SHA512_RSA_PKCS_PSS, mechanism{keyType: CKK_RSA, hash: crypto.SHA512, pss: true, multipart: true, min: rsaMin, max: rsaMax, flags: CKF_SIGN | CKF_VERIFY}},
	{CKM_ECDSA, mechanism{keyType: CKK_EC, min: ecMin, max: ecMax, flags: ecFlags}},
	{CKM_ECDSA_SHA256, mechanism{keyType: CKK_EC, hash: crypto.SHA256, multipart: true, min: ecMin, max: ecMax, flags: ecFlags}},
	{CKM_ECDSA_SHA384, mechanism{keyType: CKK_EC, hash: crypto.SHA384, multipart: true, min: ecMin, max: ecMax, flags: ecFlags}},
	{CKM_ECDSA_SHA512, mechanism{keyType: CKK_EC, hash: crypto.SHA512, multipart: true, min: ecMin, max: ecMax, flags: ecFlags}},
	{CKM_EDDSA, mechanism{keyType: CKK_EC_EDWARDS, multipart: true, min: edSize, max: edSize, flags: CKF_SIGN | CKF_VERIFY}},
}

func lookupMechanism(t MechanismType) (mechanism, bool) {
	for _, m := range mechanisms {
		if m.typ == t {
			return m.mechanism, true
		}
	}
	return mechanism{}, false
}

// allowedMechanisms encodes the CKA_ALLOWED_MECHANISMS of a key type.
func allowedMechanisms(keyType uint) []byte {
	var b []byte
	for _, m := range mechanisms {
		if m.keyType == keyType {
			b = append(b, ulong(uint(m.typ))...)
		}
	}
	return b
}

// MechanismInfo is a CK_MECHANISM_INFO.
type MechanismInfo struct {
	MinKeySize, MaxKeySize, Flags uint
}

// GetMechanismList lists the mechanisms of the slot.
func (m *Module) GetMechanismList(slot uint) ([]MechanismType, RV) {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return nil, rv
	}
	out := make([]MechanismType, 0, len(mechanisms))
	for _, mech := range mechanisms {
		out = append(out, mech.typ)
	}
	return out, CKR_OK
}

// GetMechanismInfo describes one mechanism.
func (m *Module) GetMechanismInfo(slot uint, t MechanismType) (MechanismInfo, RV) {
	if rv := m.checkSlot(slot); rv != CKR_OK {
		return MechanismInfo{}, rv
	}
	mech, ok := lookupMechanism(t)
	if !ok {
		return MechanismInfo{}, CKR_MECHANISM_INVALID
	}
	return MechanismInfo{MinKeySize: mech.min, MaxKeySize: mech.max, Flags: mech.flags}, CKR_OK
}

// hashMechanisms maps the CKM_SHA* of PSS parameters to hashes.
var hashMechanisms = map[uint]crypto.Hash{uint(CKM_SHA256): crypto.SHA256, uint(CKM_SHA384): crypto.SHA384, uint(CKM_SHA512): crypto.SHA512}

// mgfOf is the MGF1 generator that goes with a hash.
var mgfOf = map[crypto.Hash]uint{crypto.SHA256: CKG_MGF1_SHA256, crypto.SHA384: CKG_MGF1_SHA384, crypto.SHA512: CKG_MGF1_SHA512}

// hashOfSize picks the SHA-2 hash whose digest has n bytes.
func hashOfSize(n int) (crypto.Hash, bool) {
	switch n {
	case 32:
		return crypto.SHA256, true
	case 48:
		return crypto.SHA384, true
	case 64:
		return crypto.SHA512, true
	}
	return 0, false
}
