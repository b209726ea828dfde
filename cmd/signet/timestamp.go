package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// tokenExt names the file a time-stamp token is written to, next to a
// raw, base64 or pem signature (a cms .p7s carries it inside).
const tokenExt = ".tst"

// checkToken checks that token is a validly signed RFC 3161 token over sig
// and returns its time. Whether its TSA is trusted is for the verifier
// (openssl ts -verify, or signet verify on a .p7s) to decide.
func checkToken(token, sig []byte) (time.Time, error) {
	if len(token) == 0 {
		return time.Time{}, errors.New("the server sent no time-stamp token")
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return time.Time{}, fmt.Errorf("the time-stamp token does not verify: %w", err)
	}
	if !ts.HashAlgorithm.Available() {
		return time.Time{}, fmt.Errorf("the time-stamp token uses an unknown hash %v", ts.HashAlgorithm)
	}
	h := ts.HashAlgorithm.New()
	h.Write(sig)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		return time.Time{}, errors.New("the time-stamp token is for another signature")
	}
	return ts.Time, nil
}

// verifyToken checks a .p7s's time-stamp token over sig and returns its
// time and the name of the TSA whose certificate signed it. With a roots
// file, that signing certificate must chain to those roots for
// time-stamping at the time the token claims; without one the TSA is
// unchecked and the name says so.
func verifyToken(token, sig []byte, rootsFile string) (time.Time, string, error) {
	at, err := checkToken(token, sig)
	if err != nil {
		return at, "", verifyFail("%v", err)
	}
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return at, "", verifyFail("the time-stamp token: %v", err)
	}
	tsa := p7.GetOnlySigner()
	if tsa == nil {
		return at, "", verifyFail("the time-stamp token does not carry the certificate of its one signer")
	}
	if rootsFile == "" {
		return at, tsa.Subject.String() + " (not checked: pass --roots)", nil
	}
	roots, err := readCerts(rootsFile)
	if err != nil {
		return at, "", err
	}
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
	for _, r := range roots {
		opts.Roots.AddCert(r)
	}
	for _, c := range p7.Certificates {
		opts.Intermediates.AddCert(c)
	}
	if err := p7.VerifyWithOpts(opts); err != nil {
		return at, "", verifyFail("the time-stamp's TSA %q does not chain to the roots in %s: %v", tsa.Subject.String(), rootsFile, err)
	}
	return at, tsa.Subject.String(), nil
}
