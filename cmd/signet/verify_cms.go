package main

import (
	"bytes"
	"crypto/x509"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

// verifyCMS checks a detached .p7s: the file's digest against the
// messageDigest attribute, the signature over the signed attributes, and
// the signer's certificate against --cert, --roots or a keypair.
func (a *app) verifyCMS(cmd *cobra.Command, o verifyOpts, der []byte) (verifyResult, error) {
	var res verifyResult
	sd, err := parseCMS(der)
	if err != nil {
		return res, fail(exitUsage, "pass the .p7s in DER (openssl cms -outform DER), or --format", "%s: %v", o.signature, err)
	}
	if sd.content {
		return res, fail(exitUsage, "signet verifies detached signatures; use openssl cms -verify for embedded content", "%s embeds its content", o.signature)
	}
	if o.cert == "" && o.roots == "" && o.alias == "" && o.pubKey == "" {
		return res, usageErr(cmd, "say what to trust: --roots (a CA bundle), --cert, --public-key or --keypair-alias")
	}
	signer := findSigner(sd)
	if o.cert != "" {
		certs, err := readCerts(o.cert)
		if err != nil {
			return res, err
		}
		if signer != nil && !bytes.Equal(signer.Raw, certs[0].Raw) {
			return res, verifyFail("%s was signed by %q, not by the certificate in %s", o.signature, signer.Subject.String(), o.cert)
		}
		signer = certs[0]
	}
	if signer == nil {
		return res, verifyFail("%s does not carry its signer's certificate; pass it with --cert", o.signature)
	}
	// A trusted time-stamp proves the signature existed while the
	// certificate was valid: the chain is checked at its time.
	var at time.Time
	if sd.token != nil {
		if at, res.TSA, err = verifyToken(sd.token, sd.sig, o.roots); err != nil {
			return res, err
		}
		res.Timestamp = at.UTC().Format(time.RFC3339)
	}
	inter, err := o.intermediates(sd.certs)
	if err != nil {
		return res, err
	}
	if err := checkChain(signer, inter, o.roots, at); err != nil {
		return res, err
	}
	if o.alias != "" || o.pubKey != "" {
		pub, name, err := a.publicKey(cmd, verifyOpts{pubKey: o.pubKey, alias: o.alias})
		if err != nil {
			return res, err
		}
		if !samePublicKey(signer, pub) {
			return res, verifyFail("%s was not signed with %s", o.signature, name)
		}
	}
	digest, _, err := hashFile(cmd.Context(), o.input, sd.hash, make([]byte, hashBuf), new(atomic.Int64))
	if err != nil {
		return res, err
	}
	if !bytes.Equal(digest, sd.digest) {
		return res, verifyFail("%s does not match %s: the file's digest differs from the signed one", o.input, o.signature)
	}
	signed := sd.attrs
	if !sd.sigAlg.Pure {
		h := sd.hash.New()
		h.Write(sd.attrs)
		signed = h.Sum(nil)
	}
	alg := sd.sigAlg
	alg.Hash = sd.hash
	if err := verifySig(signer.PublicKey, alg, signed, sd.sig); err != nil {
		return res, verifyFail("the signature in %s does not verify with %q: %v", o.signature, signer.Subject.String(), err)
	}
	res.SigAlg, res.Signer = sd.sigAlg.Name, signer.Subject.String()
	return res, nil
}

// findSigner returns the certificate named by the SignerInfo, if carried.
func findSigner(sd *signedData) *x509.Certificate {
	for _, c := range sd.certs {
		if bytes.Equal(c.RawIssuer, sd.issuer) && c.SerialNumber.Cmp(sd.serial) == 0 {
			return c
		}
	}
	return nil
}
