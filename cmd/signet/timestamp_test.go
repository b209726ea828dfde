package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/signet-project/signet/internal/pki"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestVerifyTokenSigner: the certificate that must chain to --roots is
// the one that signed the token, not any certificate the token carries.
func TestVerifyTokenSigner(t *testing.T) {
	newKey := func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	now := time.Now()
	root, err := pki.NewRoot(pkix.Name{CommonName: "trusted root"}, newKey(), 24*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tsaKey := newKey()
	tsaCert, err := root.Issue(pki.TimeStampingTemplate(pkix.Name{CommonName: "genuine TSA"}, 6*time.Hour), tsaKey.Public(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.NewRoot(pkix.Name{CommonName: "forger"}, newKey(), 24*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	forgerKey := newKey()
	forgerCert, err := other.Issue(pki.TimeStampingTemplate(pkix.Name{CommonName: "forged TSA"}, 6*time.Hour), forgerKey.Public(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pki.EncodeCertificatesPEM(root.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	sig := []byte("a signature value")
	digest := sha256.Sum256(sig)
	token := func(cert *x509.Certificate, key crypto.Signer) []byte {
		ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Time: now.Add(-30 * time.Minute),
			Policy: []int{1, 2, 3, 4, 1}, SerialNumber: big.NewInt(7), AddTSACertificate: true}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := timestamp.ParseResponse(resp)
		if err != nil {
			t.Fatal(err)
		}
		return parsed.RawToken
	}

	if _, tsa, err := verifyToken(token(tsaCert, tsaKey), sig, roots); err != nil || tsa != "CN=genuine TSA" {
		t.Fatalf("a genuine token: %q %v", tsa, err)
	}
	// Signed by the forger, carrying the genuine TSA's certificate first.
	_, _, err = verifyToken(carryFirst(t, token(forgerCert, forgerKey), tsaCert), sig, roots)
	if err == nil || !strings.Contains(err.Error(), "forged TSA") {
		t.Fatalf("a token signed outside the roots, carrying a trusted TSA certificate: %v", err)
	}
	// Without --roots the TSA is named as unchecked.
	if _, tsa, err := verifyToken(token(forgerCert, forgerKey), sig, ""); err != nil || !strings.Contains(tsa, "not checked") {
		t.Fatalf("without roots: %q %v", tsa, err)
	}
}

// carryFirst puts cert first in the certificates of a CMS SignedData.
func carryFirst(t *testing.T, der []byte, cert *x509.Certificate) []byte {
	t.Helper()
	in := cryptobyte.String(der)
	var ci, inner, sd, version, algs, encap, certs cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) ||
		!ci.ReadASN1(&inner, cbasn1.Tag(0).Constructed().ContextSpecific()) || !inner.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Element(&version, cbasn1.INTEGER) || !sd.ReadASN1Element(&algs, cbasn1.SET) ||
		!sd.ReadASN1Element(&encap, cbasn1.SEQUENCE) || !sd.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		t.Fatal("not a SignedData with certificates")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(version)
				b.AddBytes(algs)
				b.AddBytes(encap)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(cert.Raw)
					b.AddBytes(certs)
				})
				b.AddBytes(sd) // the signer infos
			})
		})
	})
	return b.BytesOrPanic()
}
