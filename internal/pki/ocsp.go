package pki

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// OCSP request decoding (RFC 6960, section 4.1). The standard library has
// no OCSP, and golang.org/x/crypto/ocsp reads one certificate per request
// and drops the nonce, so requests are decoded here.

// MaxOCSPRequest is the largest OCSP request accepted, in bytes, and
// MaxOCSPItems the most certificates one request may ask about.
const (
	MaxOCSPRequest = 16 << 10
	MaxOCSPItems   = 32
)

// oidOCSPNonce is id-pkix-ocsp-nonce (RFC 8954).
var oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

// OCSPRequest is a decoded OCSP request.
type OCSPRequest struct {
	Items []OCSPCertID
	// Nonce is the value of the nonce extension (its DER OCTET STRING), to
	// be echoed in the response; nil when the request has none.
	Nonce []byte
}

// OCSPCertID names one certificate: its issuer by hashes and its serial.
type OCSPCertID struct {
	Hash           crypto.Hash // of IssuerNameHash and IssuerKeyHash
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	Serial         *big.Int
	raw            []byte // as the request sent it, echoed in the response
}

type ocspRequestASN1 struct {
	TBS       tbsRequestASN1
	Signature asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type tbsRequestASN1 struct {
	Version    int              `asn1:"explicit,tag:0,default:0,optional"`
	Requestor  asn1.RawValue    `asn1:"explicit,tag:1,optional"`
	List       []singleRequest1 // requestList
	Extensions []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type singleRequest1 struct {
	CertID     asn1.RawValue
	Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
}

type certIDASN1 struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	KeyHash       []byte
	Serial        *big.Int
}

// hashOIDs are the hash algorithms a CertID may use.
var hashOIDs = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// ParseOCSPRequest decodes a DER OCSP request. The input is untrusted: it
// is size-checked, must be exactly one request, and each CertID must use a
// known hash with hashes of the right length. A request signature, if any,
// is ignored (the responder does not require signed requests).
func ParseOCSPRequest(der []byte) (*OCSPRequest, error) {
	if len(der) > MaxOCSPRequest {
		return nil, fmt.Errorf("pki: OCSP request larger than %d bytes", MaxOCSPRequest)
	}
	var req ocspRequestASN1
	rest, err := asn1.Unmarshal(der, &req)
	if err != nil {
		return nil, fmt.Errorf("pki: malformed OCSP request: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("pki: trailing data after the OCSP request")
	}
	if req.TBS.Version != 0 {
		return nil, fmt.Errorf("pki: OCSP request version %d is not v1", req.TBS.Version+1)
	}
	n := len(req.TBS.List)
	if n == 0 || n > MaxOCSPItems {
		return nil, fmt.Errorf("pki: an OCSP request must ask about 1 to %d certificates, not %d", MaxOCSPItems, n)
	}
	out := &OCSPRequest{}
	for i, sr := range req.TBS.List {
		id, err := parseCertID(sr.CertID.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("pki: OCSP request item %d: %w", i+1, err)
		}
		out.Items = append(out.Items, id)
	}
	for _, e := range req.TBS.Extensions {
		if e.Id.Equal(oidOCSPNonce) {
			// RFC 8954: a nonce of 1 to 32 octets, in an OCTET STRING.
			if len(e.Value) < 3 || len(e.Value) > 34 {
				return nil, errors.New("pki: OCSP nonce must hold 1 to 32 octets")
			}
			out.Nonce = e.Value
		} else if e.Critical {
			return nil, fmt.Errorf("pki: unsupported critical OCSP request extension %v", e.Id)
		}
	}
	return out, nil
}

func parseCertID(der []byte) (OCSPCertID, error) {
	var c certIDASN1
	rest, err := asn1.Unmarshal(der, &c)
	if err != nil || len(rest) > 0 {
		return OCSPCertID{}, errors.New("malformed CertID")
	}
	h, ok := hashOIDs[c.HashAlgorithm.Algorithm.String()]
	if !ok {
		return OCSPCertID{}, fmt.Errorf("unsupported CertID hash algorithm %v", c.HashAlgorithm.Algorithm)
	}
	if len(c.NameHash) != h.Size() || len(c.KeyHash) != h.Size() {
		return OCSPCertID{}, errors.New("CertID hashes have the wrong length")
	}
	if c.Serial == nil || c.Serial.Sign() < 0 || c.Serial.BitLen() > 20*8 {
		return OCSPCertID{}, errors.New("CertID serial number is negative or longer than 20 octets")
	}
	return OCSPCertID{Hash: h, IssuerNameHash: c.NameHash, IssuerKeyHash: c.KeyHash, Serial: c.Serial, raw: der}, nil
}

// Issued reports whether id names a certificate issued by ca's key:
// whether the issuer hashes are those of ca's subject and public key.
func (id OCSPCertID) Issued(ca *CA) bool {
	if !id.Hash.Available() || ca == nil || ca.Cert == nil {
		return false
	}
	nh := id.Hash.New()
	nh.Write(ca.Cert.RawSubject)
	kh := id.Hash.New()
	kh.Write(subjectKeyBits(ca.Cert.RawSubjectPublicKeyInfo))
	return string(nh.Sum(nil)) == string(id.IssuerNameHash) && string(kh.Sum(nil)) == string(id.IssuerKeyHash)
}

// subjectKeyBits is the subjectPublicKey BIT STRING of an SPKI, which
// CertID and ResponderID hash.
func subjectKeyBits(spkiDER []byte) []byte {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spkiDER, &spki); err != nil {
		return nil
	}
	return spki.PublicKey.RightAlign()
}

// OCSPStatus is the answer about one certificate.
type OCSPStatus struct {
	ID         OCSPCertID
	Status     int // ocsp.Good, ocsp.Revoked, ocsp.Unknown (0, 1, 2)
	RevokedAt  time.Time
	Reason     int // CRL reason code of a revoked certificate
	ThisUpdate time.Time
	NextUpdate time.Time // zero: none
}
