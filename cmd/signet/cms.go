package main

// CMS (RFC 5652) detached SignedData, the .p7s that "openssl cms -verify"
// and Authenticode-style tools accept. The file digest goes in a signed
// attribute (messageDigest); the server signs the digest of the DER of
// the signed attributes, so only a digest ever leaves the machine.

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRSA            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidEd25519        = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidHash           = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	oidECDSA = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
		crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
		crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
	}
)

// signedAttrs returns the DER of the signed attributes as a SET OF, which
// is what gets signed: content type id-data, signing time and the
// message digest, in DER order.
func signedAttrs(digest []byte, at time.Time) ([]byte, error) {
	attr := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1(cbasn1.SET, value)
		})
		return b.BytesOrPanic()
	}
	attrs := [][]byte{
		attr(oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attr(oidSigningTime, func(b *cryptobyte.Builder) { b.AddASN1UTCTime(at.UTC().Truncate(time.Second)) }),
		attr(oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
	}
	sort.Slice(attrs, func(i, j int) bool { return string(attrs[i]) < string(attrs[j]) })
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	return b.Bytes()
}

// algID writes an AlgorithmIdentifier.
func algID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, params func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if params != nil {
			params(b)
		}
	})
}

// sigAlgID writes the signatureAlgorithm of a SignerInfo for alg.
func sigAlgID(b *cryptobyte.Builder, alg sigalg.Alg) error {
	switch {
	case alg.Key == sigalg.Ed25519:
		algID(b, oidEd25519, nil)
	case alg.Key == sigalg.ECDSA:
		algID(b, oidECDSA[alg.Hash], nil)
	case alg.PSS:
		algID(b, oidRSAPSS, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					algID(b, oidHash[alg.Hash], nil)
				})
				b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					algID(b, oidMGF1, func(b *cryptobyte.Builder) { algID(b, oidHash[alg.Hash], nil) })
				})
				b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1Int64(int64(alg.Hash.Size()))
				})
			})
		})
	case alg.Key == sigalg.RSA:
		algID(b, oidRSA, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
	default:
		return fmt.Errorf("no CMS encoding for %s", alg.Name)
	}
	return nil
}

// buildCMS assembles a detached SignedData from the signed attributes
// (as returned by signedAttrs), the signature over them, the signer's
// certificate and its chain; a time-stamp token over the signature, when
// given, goes in an unsigned attribute.
func buildCMS(attrs, sig, token []byte, h crypto.Hash, alg sigalg.Alg, cert *x509.Certificate, chain []*x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(attrs)
	var content cryptobyte.String
	if !in.ReadASN1(&content, cbasn1.SET) {
		return nil, errors.New("cms: bad signed attributes")
	}
	var err error
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algID(b, oidHash[h], nil) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					for _, c := range chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
							b.AddASN1BigInt(cert.SerialNumber)
						})
						algID(b, oidHash[h], nil)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(content) })
						err = sigAlgID(b, alg)
						b.AddASN1OctetString(sig)
						if token != nil {
							b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddASN1ObjectIdentifier(oidTimeStampToken)
									b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(token) })
								})
							})
						}
					})
				})
			})
		})
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes()
}
