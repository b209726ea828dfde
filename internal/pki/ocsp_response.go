package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// OCSP response statuses (RFC 6960, 4.2.1) for [OCSPErrorResponse].
const (
	OCSPMalformedRequest = 1
	OCSPInternalError    = 2
	OCSPTryLater         = 3
	OCSPUnauthorized     = 6
)

// OCSP certificate statuses of [OCSPStatus].Status, as in
// golang.org/x/crypto/ocsp.
const (
	OCSPGood    = 0
	OCSPRevoked = 1
	OCSPUnknown = 2
)

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

type ocspResponseASN1 struct {
	Status   asn1.Enumerated
	Response responseBytesASN1 `asn1:"explicit,tag:0,optional"`
}

type responseBytesASN1 struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type basicResponseASN1 struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type responseDataASN1 struct {
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponseASN1
	Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type singleResponseASN1 struct {
	CertID     asn1.RawValue
	Status     asn1.RawValue
	ThisUpdate time.Time `asn1:"generalized"`
	NextUpdate time.Time `asn1:"generalized,explicit,tag:0,optional"`
}

type revokedInfoASN1 struct {
	Time   time.Time       `asn1:"generalized"`
	Reason asn1.Enumerated `asn1:"explicit,tag:0,optional"` // absent when unspecified (0)
}

// OCSPErrorResponse is an unsuccessful OCSP response with status (one of
// the OCSP* response statuses), which carries no signature.
func OCSPErrorResponse(status int) []byte {
	der, _ := asn1.Marshal(ocspResponseASN1{Status: asn1.Enumerated(status)}) // cannot fail
	return der
}

// OCSPResponse signs a successful basic OCSP response (RFC 6960) with the
// CA's own key, answering each status, with the request's nonce (nil for
// none) echoed. The responder is named by the hash of the CA's key.
func (ca *CA) OCSPResponse(statuses []OCSPStatus, nonce []byte, producedAt time.Time) ([]byte, error) {
	if err := ca.check(producedAt); err != nil {
		return nil, err
	}
	if len(statuses) == 0 {
		return nil, errors.New("pki: an OCSP response needs at least one status")
	}
	keyHash := sha1.Sum(subjectKeyBits(ca.Cert.RawSubjectPublicKeyInfo))
	kh, _ := asn1.Marshal(keyHash[:])
	rd := responseDataASN1{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, IsCompound: true, Bytes: kh}, // byKey
		ProducedAt:  producedAt.UTC().Truncate(time.Second),
	}
	if nonce != nil {
		rd.Extensions = []pkix.Extension{{Id: oidOCSPNonce, Value: nonce}}
	}
	for _, s := range statuses {
		sr, err := singleResponse(s)
		if err != nil {
			return nil, err
		}
		rd.Responses = append(rd.Responses, sr)
	}
	tbs, err := asn1.Marshal(rd)
	if err != nil {
		return nil, fmt.Errorf("pki: encode OCSP response: %w", err)
	}
	hash, alg, err := signatureAlgorithm(ca.Signer.Public())
	if err != nil {
		return nil, err
	}
	signed := tbs
	if hash != 0 {
		h := hash.New()
		h.Write(tbs)
		signed = h.Sum(nil)
	}
	sig, err := ca.Signer.Sign(rand.Reader, signed, hash)
	if err != nil {
		return nil, fmt.Errorf("pki: sign OCSP response: %w", err)
	}
	basic, err := asn1.Marshal(basicResponseASN1{TBS: asn1.RawValue{FullBytes: tbs}, Algorithm: alg,
		Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	if err != nil {
		return nil, fmt.Errorf("pki: encode OCSP response: %w", err)
	}
	return asn1.Marshal(ocspResponseASN1{Response: responseBytesASN1{Type: oidOCSPBasic, Response: basic}})
}

func singleResponse(s OCSPStatus) (singleResponseASN1, error) {
	if len(s.ID.raw) == 0 {
		return singleResponseASN1{}, errors.New("pki: OCSP status without the request's CertID")
	}
	sr := singleResponseASN1{CertID: asn1.RawValue{FullBytes: s.ID.raw},
		ThisUpdate: s.ThisUpdate.UTC().Truncate(time.Second), NextUpdate: s.NextUpdate.UTC().Truncate(time.Second)}
	switch s.Status {
	case OCSPGood, OCSPUnknown:
		sr.Status = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: s.Status} // [0] or [2] IMPLICIT NULL
	case OCSPRevoked:
		der, err := asn1.Marshal(revokedInfoASN1{Time: s.RevokedAt.UTC().Truncate(time.Second), Reason: asn1.Enumerated(s.Reason)})
		if err != nil {
			return sr, err
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(der, &seq); err != nil {
			return sr, err
		}
		sr.Status = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: seq.Bytes} // [1] IMPLICIT RevokedInfo
	default:
		return sr, fmt.Errorf("pki: unknown OCSP status %d", s.Status)
	}
	return sr, nil
}

// signatureAlgorithm is the hash and the AlgorithmIdentifier to sign with
// pub's private key: SHA-256 with RSA, ECDSA with the curve's hash, or
// pure Ed25519 (hash 0).
func signatureAlgorithm(pub crypto.PublicKey) (crypto.Hash, pkix.AlgorithmIdentifier, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return crypto.SHA256, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return crypto.SHA256, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}, nil
		case elliptic.P384():
			return crypto.SHA384, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}}, nil
		case elliptic.P521():
			return crypto.SHA512, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}}, nil
		}
	case ed25519.PublicKey:
		return 0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 101, 112}}, nil
	}
	return 0, pkix.AlgorithmIdentifier{}, fmt.Errorf("pki: cannot sign OCSP responses with a %T key", pub)
}
