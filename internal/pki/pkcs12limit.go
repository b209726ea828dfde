package pki

import (
	"encoding/asn1"
	"fmt"
	"math/big"
)

// maxKDFIterations bounds the key-derivation work a PKCS#12 file may ask for,
// summed over its MAC and every password-based encryption we can see: about
// a second of CPU. Real files use 2,000 to 600,000 per derivation; a hostile
// one may ask for billions and stall the decoder, which go-pkcs12 does not
// prevent.
const maxKDFIterations = 4 << 20

// Password-based algorithms whose parameters are SEQUENCE { salt, iterations, ... }:
// PKCS#12 PBES1 (1.2.840.113549.1.12.1.*) and PKCS#5 PBKDF2. PBES2 and PBMAC1
// hold a PBKDF2 identifier, which the walk reaches.
var (
	oidPKCS12PBE = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	oidPBKDF2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// checkKDFWork refuses a PFX whose visible key-derivation parameters add up
// to more than maxKDFIterations. What sits inside encrypted content cannot be
// seen before decryption; only a holder of the password can put work there.
func checkKDFWork(pfx []byte) error {
	if total := kdfWork(pfx); total.Cmp(big.NewInt(maxKDFIterations)) > 0 {
		return fmt.Errorf("pki: PKCS#12 file asks for %s key-derivation iterations, more than the %d allowed", total, maxKDFIterations)
	}
	return nil
}

// kdfWork is the sum of the visible iteration counts of pfx.
func kdfWork(pfx []byte) *big.Int {
	var total big.Int
	var outer struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations *big.Int `asn1:"optional"`
		} `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(pfx, &outer); err == nil && outer.MacData.Iterations != nil {
		total.Add(&total, outer.MacData.Iterations)
	}
	walkKDF(pfx, 0, &total)
	return &total
}

// walkKDF adds to total the iteration counts of the password-based algorithm
// identifiers in the DER elements of data, looking into constructed elements
// and into OCTET STRINGs that hold DER.
func walkKDF(data []byte, depth int, total *big.Int) {
	if depth > 16 || total.Cmp(big.NewInt(maxKDFIterations)) > 0 {
		return
	}
	for len(data) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(data, &v)
		if err != nil {
			return
		}
		data = rest
		switch {
		case v.IsCompound:
			if n := iterations(v); n != nil {
				total.Add(total, n)
			}
			walkKDF(v.Bytes, depth+1, total)
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
			walkKDF(v.Bytes, depth+1, total)
		}
	}
}

// iterations returns the iteration count of v if v is the AlgorithmIdentifier
// of a PKCS#12 PBE scheme or of PBKDF2.
func iterations(v asn1.RawValue) *big.Int {
	var alg struct {
		Algorithm asn1.ObjectIdentifier
		Params    struct {
			Salt       asn1.RawValue
			Iterations *big.Int
		} `asn1:"optional"`
	}
	if v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSequence {
		return nil
	}
	if _, err := asn1.Unmarshal(v.FullBytes, &alg); err != nil || alg.Params.Iterations == nil {
		return nil
	}
	oid := alg.Algorithm
	if oid.Equal(oidPBKDF2) || (len(oid) == len(oidPKCS12PBE)+1 && oid[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE)) {
		return alg.Params.Iterations
	}
	return nil
}
