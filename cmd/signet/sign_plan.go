package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/label"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/spf13/cobra"
)

// plan is what sign settled before hashing: the keypair, the algorithms,
// the format and, for cms, the certificates.
type plan struct {
	kp        client.Keypair
	pub       crypto.PublicKey
	alg       sigalg.Alg  // what the server is asked for
	fileHash  crypto.Hash // digest of the files
	format    string
	timestamp bool // ask for RFC 3161 tokens
	certLag   bool // a dynamic keypair's certificate has not followed its new key yet
	cert      *x509.Certificate
	chain     []*x509.Certificate
	at        time.Time
	signed    [][]byte // per item: what the signature covers
	attrs     [][]byte // per item, cms: the signed attributes
}

var formatExt = map[string]string{"raw": ".sig", "base64": ".sig.b64", "pem": ".sig.pem", "cms": ".p7s"}

func (o signOpts) check(cmd *cobra.Command) error {
	switch {
	case o.alias == "":
		return usageErr(cmd, "--keypair-alias is required")
	case len(o.inputs) == 0:
		return usageErr(cmd, "no input: pass files (or --input FILE, or a directory with --recursive)")
	case formatExt[o.format] == "":
		return usageErr(cmd, "--format must be raw, base64, pem or cms, got %q", o.format)
	case (o.cert != "" || o.chain != "") && o.format != "cms":
		return usageErr(cmd, "--cert and --chain go with --format cms")
	case o.output != "" && o.outDir != "":
		return usageErr(cmd, "use --output or --out-dir, not both")
	case o.timestamp && o.output == "-" && o.format != "cms":
		return usageErr(cmd, "--timestamp writes a token file next to each signature; with --output - use --format cms, which carries it")
	case o.output == "-" && (o.format == "raw" || o.format == "cms") && isTerminal(os.Stdout):
		return usageErr(cmd, "refusing to write binary signature bytes to a terminal; use --format base64 or redirect stdout")
	}
	return nil
}

// plan describes the keypair and settles the algorithms. Whoever may sign
// with a keypair may describe it; when the server refuses to (a server
// older than that rule, or a caller who may not sign with it either), the
// key type comes from --sig-alg or --cert, the server decides on the
// signature, and signatures are checked against the certificate when
// there is one.
func (a *app) plan(cmd *cobra.Command, c *client.Client, o signOpts) (*plan, error) {
	p := &plan{format: o.format, at: time.Now(), timestamp: o.timestamp}
	kp, err := c.GetKeypair(cmd.Context(), o.alias)
	var ae, refused *client.APIError
	switch {
	case err == nil:
		if p.pub, err = parsePublicKeyPEM([]byte(kp.PublicKeyPEM)); err != nil {
			return nil, fmt.Errorf("keypair %s: public key: %w", kp.Alias, err)
		}
	case errors.As(err, &ae) && ae.Code == "permission_denied":
		kp, refused = client.Keypair{Alias: o.alias}, ae
	default:
		return nil, err
	}
	p.kp = kp
	kt := kp.Algorithm.Type
	if kt == "" {
		if kt, err = keyTypeWithoutView(o, refused); err != nil {
			return nil, err
		}
	}
	if p.alg, p.fileHash, err = pickAlg(kt, o.sigAlg, o.digestAlg, o.format == "cms"); err != nil {
		return nil, err
	}
	if o.format == "cms" {
		if o.cert == "" && kp.CertificatePEM == "" && kp.Type == "dynamic" {
			p.certLag = certFollowing(cmd.Context(), c, kp)
		}
		err = p.loadCerts(o)
	}
	return p, err
}

// certFollowing reports whether the dynamic keypair kp has a valid default
// certificate the server issued for an earlier generation: the one its
// current key's certificate follows, issued moments after the key.
func certFollowing(ctx context.Context, c *client.Client, kp client.Keypair) bool {
	var out struct {
		Certificates []certificate `json:"certificates"`
	}
	if c.Call(ctx, "GET", apiPath("keypairs", kp.Alias, "certificates"), nil, nil, &out) != nil {
		return false
	}
	return slices.ContainsFunc(out.Certificates, func(ct certificate) bool {
		return ct.Default && ct.Source == "issued" && ct.Status == "valid" && ct.Generation < kp.Generation
	})
}

// keyTypeWithoutView finds the key type when the keypair cannot be described.
func keyTypeWithoutView(o signOpts, refused *client.APIError) (string, error) {
	if o.sigAlg != "" {
		alg, err := sigalg.Parse(o.sigAlg)
		if err != nil {
			return "", fail(exitUsage, "pass a --sig-alg such as SHA256withECDSA", "%v", err)
		}
		return string(alg.Key), nil
	}
	if o.cert != "" {
		certs, err := readCerts(o.cert)
		if err != nil {
			return "", err
		}
		return keyType(certs[0].PublicKey), nil
	}
	why := "it names no key type"
	if refused != nil {
		why = refused.Message
	}
	return "", fail(exitDenied, "pass --sig-alg, e.g. --sig-alg SHA256withECDSA (or SHA256withRSA, Ed25519ph)",
		"the server refused to describe %s (%s), so its algorithm is unknown", o.alias, why)
}

// pickAlg settles the signature algorithm asked of the server and the
// digest algorithm of the files, from the flags and the key type.
func pickAlg(keyType, sigFlag, digestFlag string, cms bool) (sigalg.Alg, crypto.Hash, error) {
	badFlag := func(format string, args ...any) error {
		return fail(exitUsage, "leave --sig-alg and --digest-alg out to use the keypair's default", format, args...)
	}
	var h crypto.Hash
	if digestFlag != "" {
		var err error
		if h, err = sigalg.ParseHash(digestFlag); err != nil {
			return sigalg.Alg{}, 0, badFlag("%v", err)
		}
	}
	name := sigFlag
	if name == "" {
		if h == 0 {
			h = map[string]crypto.Hash{"eddsa": crypto.SHA512}[keyType]
			if h == 0 {
				h = crypto.SHA256
			}
		}
		hn := map[crypto.Hash]string{crypto.SHA256: "SHA256", crypto.SHA384: "SHA384", crypto.SHA512: "SHA512"}[h]
		name = map[string]string{"rsa": hn + "withRSA", "ecdsa": hn + "withECDSA", "eddsa": "Ed25519ph"}[keyType]
	}
	alg, err := sigalg.Parse(name)
	if err != nil {
		return alg, 0, badFlag("%v", err)
	}
	if string(alg.Key) != keyType {
		return alg, 0, badFlag("%s needs a %s key, but the keypair is %s", alg.Name, alg.Key, keyType)
	}
	if alg.Key == sigalg.Ed25519 && cms {
		// RFC 8419: CMS signs the signed attributes with pure Ed25519; the file digest is SHA-512.
		if sigFlag != "" && !alg.Pure {
			return alg, 0, badFlag("CMS uses pure Ed25519 over the signed attributes: use --sig-alg Ed25519 or leave it out")
		}
		alg, _ = sigalg.Parse("Ed25519")
		alg.Hash = crypto.SHA512
	}
	fh := alg.Hash
	if alg.Pure && !cms {
		fh = crypto.SHA512 // shown in the results; the server gets the message itself
	}
	if h != 0 && h != fh {
		return alg, 0, badFlag("%s signs %s digests, but --digest-alg is %s", alg.Name, sigalg.HashName(fh), sigalg.HashName(h))
	}
	return alg, fh, nil
}

// loadCerts finds the certificate and chain for cms: --cert and --chain,
// else those the server keeps for the keypair.
func (p *plan) loadCerts(o signOpts) error {
	var certs []*x509.Certificate
	var err error
	switch {
	case o.cert != "":
		if certs, err = readCerts(o.cert); err != nil {
			return fail(exitUsage, "pass --cert with the keypair's certificate (PEM or DER)", "%v", err)
		}
	case p.kp.CertificatePEM != "":
		if certs, err = parseCerts([]byte(p.kp.CertificatePEM)); err != nil {
			return fmt.Errorf("keypair %s: certificate: %w", p.kp.Alias, err)
		}
	case p.certLag:
		return fail(exitConflict, "a dynamic keypair's certificate follows each new key within moments: try again; if this persists, \"signet certificate ls "+p.kp.Alias+"\" shows its certificates",
			"keypair %s has no certificate for its current key (generation %d) yet", p.kp.Alias, p.kp.Generation)
	default:
		return fail(exitUsage, "pass --cert FILE (and --chain FILE) with the certificate issued for this keypair, or have Signet issue one: signet keypair generate-cert "+p.kp.Alias,
			"--format cms needs a certificate, and the server has none for keypair %s", p.kp.Alias)
	}
	p.cert, p.chain = certs[0], certs[1:]
	switch {
	case o.chain != "":
		more, err := readCerts(o.chain)
		if err != nil {
			return fail(exitUsage, "pass --chain with a PEM bundle of the intermediates and root", "%v", err)
		}
		p.chain = append(p.chain, more...)
	case o.cert == "" && p.kp.ChainPEM != "":
		more, err := parseCerts([]byte(p.kp.ChainPEM))
		if err != nil {
			return fmt.Errorf("keypair %s: chain: %w", p.kp.Alias, err)
		}
		p.chain = append(p.chain, more...)
	}
	if p.pub == nil {
		p.pub = p.cert.PublicKey // the keypair could not be described
	} else if !samePublicKey(p.cert, p.pub) && o.cert == "" {
		return fail(exitConflict, "a dynamic keypair's new certificate is issued a moment after its key: try again; if this persists, \"signet certificate ls "+p.kp.Alias+"\" shows its certificates",
			"the certificate the server keeps for keypair %s (generation %d) carries another public key", p.kp.Alias, p.kp.Generation)
	} else if !samePublicKey(p.cert, p.pub) {
		return fail(exitUsage, "pass the certificate issued for this keypair; compare with \"signet keypair describe "+p.kp.Alias+"\"",
			"the certificate %q does not carry the public key of keypair %s", p.cert.Subject.String(), p.kp.Alias)
	}
	return nil
}

// items builds what is sent for each input: the digest; for pure Ed25519
// the file itself; for cms the digest of the signed attributes.
func (p *plan) items(ins []*input) ([]client.BatchItem, error) {
	items := make([]client.BatchItem, len(ins))
	p.signed = make([][]byte, len(ins))
	p.attrs = make([][]byte, len(ins))
	for i, in := range ins {
		send := in.digest
		switch {
		case p.format == "cms":
			attrs, err := signedAttrs(in.digest, p.at)
			if err != nil {
				return nil, err
			}
			p.attrs[i], send = attrs, attrs
			if !p.alg.Pure {
				hh := p.alg.Hash.New()
				hh.Write(attrs)
				send = hh.Sum(nil)
			}
		case p.alg.Pure:
			msg, err := readSmall(in.path, sigalg.MaxPureMessage)
			if err != nil {
				return nil, err
			}
			send = msg
		}
		p.signed[i] = send
		items[i] = client.BatchItem{Hash: send, FileName: label.Clean(in.name, label.MaxFileName), FileSize: in.size}
	}
	return items, nil
}

// finish checks a signature against the keypair's public key and encodes
// it in the chosen format.
func (p *plan) finish(i int, r client.SignResponse) ([]byte, error) {
	if p.pub != nil { // nil: not viewable and no certificate, nothing to check against
		if err := verifySig(p.pub, p.alg, p.signed[i], r.Signature); err != nil {
			return nil, fmt.Errorf("the server's signature does not verify with keypair %s's public key (generation %d, signed with %d): %v",
				p.kp.Alias, p.kp.Generation, r.Generation, err)
		}
	}
	if p.timestamp {
		if _, err := checkToken(r.TimestampToken, r.Signature); err != nil {
			return nil, err
		}
	}
	switch p.format {
	case "base64":
		return []byte(base64.StdEncoding.EncodeToString(r.Signature) + "\n"), nil
	case "pem":
		return pem.EncodeToMemory(&pem.Block{Type: "SIGNATURE", Bytes: r.Signature}), nil
	case "cms":
		return buildCMS(p.attrs[i], r.Signature, r.TimestampToken, p.fileHash, p.alg, p.cert, p.chain)
	}
	return r.Signature, nil
}

// outPath is where an input's signature goes.
func outPath(in *input, o signOpts, ext string) string {
	switch {
	case o.output != "":
		return o.output
	case o.outDir != "":
		return filepath.Join(o.outDir, filepath.FromSlash(in.name)+ext)
	}
	return in.path + ext
}

// writeSig writes a signature to path, or to stdout for "-".
func writeSig(stdout io.Writer, path string, data []byte) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
