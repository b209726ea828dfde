package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
	"github.com/spf13/cobra"
)

type verifyOpts struct {
	input, signature, cert, chain, pubKey, alias, roots, sigAlg, digestAlg, format string
}

type verifyResult struct {
	File      string `json:"file"`
	Signature string `json:"signature"`
	Format    string `json:"format"`
	SigAlg    string `json:"sig_alg"`
	Signer    string `json:"signer,omitempty"`
	// Timestamp and TSA: a .p7s's signature time-stamp, when it has one.
	Timestamp string `json:"timestamp,omitempty"`
	TSA       string `json:"tsa,omitempty"`
	Verified  bool   `json:"verified"`
}

func verifyCmd(a *app) *cobra.Command {
	var o verifyOpts
	cmd := &cobra.Command{
		Use:   "verify --input FILE --signature SIG (--cert CERT | --public-key PUB | --keypair-alias ALIAS | --roots CA)",
		Short: "Check a signature or a .p7s against a file and a certificate or key",
		Long: `Check that SIG is a valid signature of FILE. The key comes from a certificate
(--cert), a PEM public key (--public-key) or the server (--keypair-alias).
A .p7s (CMS) carries its signer's certificate: trust it through --roots
(a PEM bundle of trusted roots; the chain in the .p7s is used), or pin it
with --cert. The format is detected unless --format says it.
Exit code 7 means the signature does not match.`,
		Example: `  signet verify --input app.bin --signature app.bin.sig --keypair-alias release-ec
  signet verify --input app.bin --signature app.bin.sig --cert release-ec.crt --sig-alg SHA256withECDSA
  signet verify --input app.bin --signature app.bin.p7s --roots root.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.input == "" || o.signature == "" {
				return usageErr(cmd, "--input and --signature are required")
			}
			sig, err := os.ReadFile(o.signature)
			if err != nil {
				return err
			}
			format := o.format
			if format == "" || format == "auto" {
				format = detectFormat(o.signature, sig)
			}
			var res verifyResult
			switch format {
			case "cms":
				res, err = a.verifyCMS(cmd, o, sig)
			case "raw", "base64", "pem":
				res, err = a.verifyRaw(cmd, o, format, sig)
			default:
				return usageErr(cmd, "--format must be auto, raw, base64, pem or cms, got %q", format)
			}
			if err != nil {
				return err
			}
			res.File, res.Signature, res.Format, res.Verified = o.input, o.signature, format, true
			a.note("Verified: %s matches %s.", o.signature, o.input)
			return a.show(res, func(w io.Writer) {
				kv := []string{"File", res.File, "Signature", res.Signature, "Format", res.Format, "Algorithm", res.SigAlg, "Signer", res.Signer}
				if res.Timestamp != "" {
					kv = append(kv, "Timestamp", res.Timestamp+" by "+res.TSA)
				}
				pairs(w, append(kv, "Verified", "yes")...)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.input, "input", "", "the signed file")
	fl.StringVar(&o.signature, "signature", "", "the signature: raw, base64, PEM or a .p7s")
	fl.StringVar(&o.cert, "cert", "", "the signer's certificate (PEM or DER)")
	fl.StringVar(&o.chain, "chain", "", "PEM bundle of intermediates (e.g. from certificate download --chain-out), with --roots")
	fl.StringVar(&o.pubKey, "public-key", "", "the signer's public key (PEM), e.g. from keypair describe --public-key-out")
	fl.StringVarP(&o.alias, "keypair-alias", "k", "", "take the public key of this keypair from the server")
	fl.StringVar(&o.roots, "roots", "", "PEM bundle of trusted root certificates, for a .p7s or with --cert")
	fl.StringVar(&o.sigAlg, "sig-alg", "", "signature algorithm (default: from the key, as signet sign picks it)")
	fl.StringVar(&o.digestAlg, "digest-alg", "", "digest algorithm (default: from --sig-alg)")
	fl.StringVar(&o.format, "format", "auto", "auto, raw, base64, pem or cms")
	_ = cmd.RegisterFlagCompletionFunc("keypair-alias", completeAliases(a))
	return cmd
}

// intermediates adds the certificates of --chain to have.
func (o verifyOpts) intermediates(have []*x509.Certificate) ([]*x509.Certificate, error) {
	if o.chain == "" {
		return have, nil
	}
	more, err := readCerts(o.chain)
	if err != nil {
		return nil, fail(exitUsage, "pass --chain with a PEM bundle of the intermediates", "%v", err)
	}
	return append(have, more...), nil
}

// detectFormat guesses a signature file's format.
func detectFormat(name string, sig []byte) string {
	switch {
	case strings.HasSuffix(name, ".p7s"):
		return "cms"
	case bytes.HasPrefix(sig, []byte("-----BEGIN")):
		return "pem"
	}
	if _, err := parseCMS(sig); err == nil {
		return "cms"
	}
	if _, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig))); err == nil && len(sig) > 0 {
		return "base64"
	}
	return "raw"
}

// verifyFail is the error of a signature that does not match.
func verifyFail(format string, args ...any) error {
	return fail(exitVerify, "check that the file, the signature and the key or certificate belong together", format, args...)
}

// publicKey finds the key to verify with: --cert, --public-key or the server.
func (a *app) publicKey(cmd *cobra.Command, o verifyOpts) (crypto.PublicKey, string, error) {
	switch {
	case o.cert != "":
		certs, err := readCerts(o.cert)
		if err != nil {
			return nil, "", err
		}
		inter, err := o.intermediates(certs[1:])
		if err != nil {
			return nil, "", err
		}
		if err := checkChain(certs[0], inter, o.roots, time.Time{}); err != nil {
			return nil, "", err
		}
		return certs[0].PublicKey, certs[0].Subject.String(), nil
	case o.pubKey != "":
		data, err := os.ReadFile(o.pubKey)
		if err != nil {
			return nil, "", err
		}
		k, err := parsePublicKeyPEM(data)
		return k, o.pubKey, err
	case o.alias != "":
		c, _, err := a.client()
		if err != nil {
			return nil, "", err
		}
		kp, err := c.GetKeypair(cmd.Context(), o.alias)
		if err != nil {
			return nil, "", err
		}
		k, err := parsePublicKeyPEM([]byte(kp.PublicKeyPEM))
		return k, "keypair " + kp.Alias, err
	}
	return nil, "", usageErr(cmd, "say which key to verify with: --cert, --public-key or --keypair-alias")
}

func keyType(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ecdsa"
	case ed25519.PublicKey:
		return "eddsa"
	}
	return "unknown"
}

func (a *app) verifyRaw(cmd *cobra.Command, o verifyOpts, format string, sig []byte) (verifyResult, error) {
	var res verifyResult
	switch format {
	case "base64":
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
		if err != nil {
			return res, fail(exitUsage, "pass the base64 signature, or --format", "%s is not base64: %v", o.signature, err)
		}
		sig = b
	case "pem":
		b, _ := pem.Decode(sig)
		if b == nil {
			return res, fail(exitUsage, "pass the PEM signature, or --format", "%s holds no PEM block", o.signature)
		}
		sig = b.Bytes
	}
	pub, signer, err := a.publicKey(cmd, o)
	if err != nil {
		return res, err
	}
	alg, h, err := pickAlg(keyType(pub), o.sigAlg, o.digestAlg, false)
	if err != nil {
		return res, err
	}
	var in []byte
	if alg.Pure {
		in, err = readSmall(o.input, sigalg.MaxPureMessage)
	} else {
		in, _, err = hashFile(cmd.Context(), o.input, h, make([]byte, hashBuf), new(atomic.Int64))
	}
	if err != nil {
		return res, err
	}
	if err := verifySig(pub, alg, in, sig); err != nil {
		return res, verifyFail("%s does not verify %s with %s: %v", o.signature, o.input, alg.Name, err)
	}
	res.SigAlg, res.Signer = alg.Name, signer
	return res, nil
}

// checkChain verifies cert up to the roots in rootsFile, when given.
// checkChain checks cert against the roots in rootsFile (if any) at time at
// (zero: now).
func checkChain(cert *x509.Certificate, inter []*x509.Certificate, rootsFile string, at time.Time) error {
	if rootsFile == "" {
		return nil
	}
	roots, err := readCerts(rootsFile)
	if err != nil {
		return err
	}
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	for _, r := range roots {
		opts.Roots.AddCert(r)
	}
	for _, c := range inter {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cert.Verify(opts); err != nil {
		return verifyFail("the certificate %q does not chain to the roots in %s: %v", cert.Subject.String(), rootsFile, err)
	}
	return nil
}
