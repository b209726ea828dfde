package main

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/signet-project/signet/internal/sigalg"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signedData is the part of a detached CMS SignedData that verify needs;
// only the first SignerInfo is read.
type signedData struct {
	hash    crypto.Hash
	certs   []*x509.Certificate
	issuer  []byte // raw Name
	serial  *big.Int
	attrs   []byte // the signed attributes as a DER SET, as signed
	digest  []byte // the messageDigest attribute
	sigAlg  sigalg.Alg
	sig     []byte
	content bool   // the file is embedded (not detached)
	token   []byte // the signature time-stamp token (unsigned attribute), if any
}

var errCMS = errors.New("not a CMS SignedData (.p7s) in DER")

func hashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	for h, o := range oidHash {
		if o.Equal(oid) {
			return h
		}
	}
	return 0
}

// parseCMS reads a DER CMS SignedData.
func parseCMS(der []byte) (*signedData, error) {
	s := cryptobyte.String(der)
	var ci, sd, inner, certs, infos, si, digestAlgs, encap cryptobyte.String
	var oid asn1.ObjectIdentifier
	var version int64
	var hasCerts bool
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSignedData) ||
		!ci.ReadASN1(&inner, cbasn1.Tag(0).Constructed().ContextSpecific()) || !inner.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!sd.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!sd.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		!sd.ReadASN1(&infos, cbasn1.SET) || !infos.ReadASN1(&si, cbasn1.SEQUENCE) {
		return nil, errCMS
	}
	out := &signedData{}
	var eoid asn1.ObjectIdentifier
	if !encap.ReadASN1ObjectIdentifier(&eoid) {
		return nil, errCMS
	}
	out.content = !encap.Empty()
	for hasCerts && !certs.Empty() {
		var c cryptobyte.String
		if !certs.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return nil, errCMS
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return nil, fmt.Errorf("certificate in the .p7s: %w", err)
		}
		out.certs = append(out.certs, cert)
	}
	var sid, issuer, dAlg, attrs, sAlg cryptobyte.String
	var hasAttrs bool
	var dOID, sOID asn1.ObjectIdentifier
	out.serial = new(big.Int)
	if !si.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || !si.ReadASN1(&sid, cbasn1.SEQUENCE) ||
		!sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(out.serial) ||
		!si.ReadASN1(&dAlg, cbasn1.SEQUENCE) || !dAlg.ReadASN1ObjectIdentifier(&dOID) ||
		!si.ReadOptionalASN1(&attrs, &hasAttrs, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!si.ReadASN1(&sAlg, cbasn1.SEQUENCE) || !sAlg.ReadASN1ObjectIdentifier(&sOID) ||
		!si.ReadASN1Bytes(&out.sig, cbasn1.OCTET_STRING) {
		return nil, errCMS
	}
	if err := out.readUnsigned(si); err != nil {
		return nil, err
	}
	if !hasAttrs {
		return nil, errors.New("the .p7s has no signed attributes; signet verifies only signatures over signed attributes")
	}
	out.issuer = issuer
	if out.hash = hashOf(dOID); out.hash == 0 {
		return nil, fmt.Errorf("unsupported digest algorithm %v in the .p7s", dOID)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(attrs) })
	out.attrs = b.BytesOrPanic()
	for !attrs.Empty() {
		var at, vals cryptobyte.String
		var aoid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&at, cbasn1.SEQUENCE) || !at.ReadASN1ObjectIdentifier(&aoid) || !at.ReadASN1(&vals, cbasn1.SET) {
			return nil, errCMS
		}
		if aoid.Equal(oidMessageDigest) && !vals.ReadASN1Bytes(&out.digest, cbasn1.OCTET_STRING) {
			return nil, errCMS
		}
	}
	if out.digest == nil {
		return nil, errors.New("the .p7s has no messageDigest attribute")
	}
	alg, err := cmsSigAlg(sOID, out.hash)
	if err != nil {
		return nil, err
	}
	out.sigAlg = alg
	return out, nil
}

// readUnsigned reads the optional unsigned attributes after the signature,
// keeping a signature time-stamp token.
func (out *signedData) readUnsigned(si cryptobyte.String) error {
	var attrs cryptobyte.String
	var has bool
	if !si.ReadOptionalASN1(&attrs, &has, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return errCMS
	}
	for has && !attrs.Empty() {
		var at, vals, tok cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&at, cbasn1.SEQUENCE) || !at.ReadASN1ObjectIdentifier(&oid) || !at.ReadASN1(&vals, cbasn1.SET) {
			return errCMS
		}
		if oid.Equal(oidTimeStampToken) {
			if !vals.ReadASN1Element(&tok, cbasn1.SEQUENCE) {
				return errCMS
			}
			out.token = tok
		}
	}
	return nil
}

// cmsSigAlg maps a SignerInfo signatureAlgorithm to a sigalg.Alg.
func cmsSigAlg(oid asn1.ObjectIdentifier, h crypto.Hash) (sigalg.Alg, error) {
	names := map[crypto.Hash]string{crypto.SHA256: "SHA256", crypto.SHA384: "SHA384", crypto.SHA512: "SHA512"}
	switch {
	case oid.Equal(oidEd25519):
		return sigalg.Parse("Ed25519")
	case oid.Equal(oidRSA), oid.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}),
		oid.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}), oid.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}):
		return sigalg.Parse(names[h] + "withRSA")
	case oid.Equal(oidRSAPSS):
		// As signet writes it: MGF1 with the same hash, salt of the hash's size.
		return sigalg.Parse(names[h] + "withRSA/PSS")
	}
	for hh, o := range oidECDSA {
		if o.Equal(oid) {
			return sigalg.Parse(names[hh] + "withECDSA")
		}
	}
	return sigalg.Alg{}, fmt.Errorf("unsupported signature algorithm %v in the .p7s", oid)
}
