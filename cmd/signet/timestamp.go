package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

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

// verifyToken checks a .p7s's time-stamp token over sig and, with a roots
// file, that its TSA chains to those roots for time-stamping at the time it
// claims. It returns the time and the TSA's name.
func verifyToken(token, sig []byte, rootsFile string) (time.Time, string, error) {
	at, err := checkToken(token, sig)
	if err != nil {
		return at, "", verifyFail("%v", err)
	}
	ts, _ := timestamp.Parse(token) // parsed by checkToken
	var tsa *x509.Certificate
	for _, c := range ts.Certificates {
		if c.IsCA {
			continue
		}
		tsa = c
		break
	}
	if tsa == nil {
		return at, "", verifyFail("the time-stamp token does not carry its TSA's certificate")
	}
	if rootsFile != "" {
		roots, err := readCerts(rootsFile)
		if err != nil {
			return at, "", err
		}
		opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
		for _, r := range roots {
			opts.Roots.AddCert(r)
		}
		for _, c := range ts.Certificates {
			opts.Intermediates.AddCert(c)
		}
		if _, err := tsa.Verify(opts); err != nil {
			return at, "", verifyFail("the time-stamp's TSA %q does not chain to the roots in %s: %v", tsa.Subject.String(), rootsFile, err)
		}
	}
	return at, tsa.Subject.String(), nil
}
