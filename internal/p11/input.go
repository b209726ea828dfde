package p11

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// DigestInfo prefixes (the DER of DigestInfo up to the digest) of the
// hashes the API signs with.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

var digestOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
	name string
}{
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256, "SHA-256"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384, "SHA-384"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512, "SHA-512"},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, 0, "SHA-1"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, 0, "SHA-224"},
}

// ErrBareHash is returned by [ParseDigestInfo] for input that looks like a
// bare digest: CKM_RSA_PKCS cannot know which hash it is, and the signature
// would carry no DigestInfo, so it is refused.
var ErrBareHash = errors.New("CKM_RSA_PKCS needs a DER DigestInfo, not a bare hash; use CKM_SHA256_RSA_PKCS (or 384, 512) instead")

// ParseDigestInfo parses the DER DigestInfo given to CKM_RSA_PKCS and
// returns its hash and digest. Only SHA-256, SHA-384 and SHA-512 in their
// canonical encoding (with NULL parameters) are accepted.
func ParseDigestInfo(in []byte) (crypto.Hash, []byte, error) {
	var di struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}
	rest, err := asn1.Unmarshal(in, &di)
	if err != nil || len(rest) != 0 {
		if _, ok := hashOfSize(len(in)); ok || len(in) == 20 || len(in) == 28 {
			return 0, nil, ErrBareHash
		}
		return 0, nil, fmt.Errorf("CKM_RSA_PKCS input of %d bytes is not a DER DigestInfo", len(in))
	}
	for _, d := range digestOIDs {
		if !di.Alg.Algorithm.Equal(d.oid) {
			continue
		}
		if d.hash == 0 {
			return 0, nil, fmt.Errorf("DigestInfo uses %s; Signet signs SHA-256, SHA-384 or SHA-512 digests", d.name)
		}
		if len(di.Digest) != d.hash.Size() || !bytes.Equal(in, append(bytes.Clone(digestInfoPrefix[d.hash]), di.Digest...)) {
			return 0, nil, fmt.Errorf("malformed %s DigestInfo", d.name)
		}
		return d.hash, di.Digest, nil
	}
	return 0, nil, fmt.Errorf("DigestInfo has unknown digest algorithm %v", di.Alg.Algorithm)
}

// ecdsaRaw converts a DER ECDSA signature to r||s, each size bytes, as
// PKCS#11 returns them.
func ecdsaRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("ECDSA signature is not DER")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > size*8 || sig.S.BitLen() > size*8 {
		return nil, errors.New("ECDSA signature values out of range")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// pssParams is a decoded CK_RSA_PKCS_PSS_PARAMS.
type pssParams struct {
	hash crypto.Hash
	salt int
}

// decodePSSParams checks the PSS parameters of mechanism hash want (0 for
// CKM_RSA_PKCS_PSS, where the parameters choose it). Signet signs with MGF1
// of the same hash and a salt as long as the hash, so only that is accepted.
func decodePSSParams(p []byte, want crypto.Hash) (pssParams, error) {
	if len(p) != 3*ulongSize {
		return pssParams{}, fmt.Errorf("PSS needs CK_RSA_PKCS_PSS_PARAMS (%d bytes), got %d bytes", 3*ulongSize, len(p))
	}
	hashAlg, _ := decodeULong(p[:ulongSize])
	mgf, _ := decodeULong(p[ulongSize : 2*ulongSize])
	salt, _ := decodeULong(p[2*ulongSize:])
	h, ok := hashMechanisms[hashAlg]
	switch {
	case !ok:
		return pssParams{}, fmt.Errorf("PSS hash 0x%x not supported: use SHA-256, SHA-384 or SHA-512", hashAlg)
	case want != 0 && h != want:
		return pssParams{}, errors.New("PSS parameters name another hash than the mechanism")
	case mgf != mgfOf[h]:
		return pssParams{}, fmt.Errorf("PSS MGF 0x%x not supported: use MGF1 with the same hash", mgf)
	case salt != uint(h.Size()):
		return pssParams{}, fmt.Errorf("PSS salt length %d not supported: Signet uses the hash length (%d)", salt, h.Size())
	}
	return pssParams{hash: h, salt: h.Size()}, nil
}

// decodeEdDSAParams reads the phFlag of an optional CK_EDDSA_PARAMS
// {CK_BBOOL phFlag; CK_ULONG ulContextDataLen; CK_BYTE_PTR pContextData}.
// Contexts are not supported.
func decodeEdDSAParams(p []byte) (prehash bool, err error) {
	if len(p) == 0 {
		return false, nil
	}
	if len(p) != 3*ulongSize {
		return false, fmt.Errorf("CK_EDDSA_PARAMS of %d bytes", len(p))
	}
	if n, _ := decodeULong(p[ulongSize : 2*ulongSize]); n != 0 {
		return false, errors.New("EdDSA contexts are not supported")
	}
	return p[0] != 0, nil
}
