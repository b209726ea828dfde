package main

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/spf13/cobra"
)

// batchMax is the server's limit of digests per sign-batch request.
const batchMax = 1000

type signOpts struct {
	alias, output, outDir, digestAlg, sigAlg, format, cert, chain, tool string
	inputs                                                              []string
	recursive, quiet, timestamp                                         bool
}

type signResult struct {
	File        string `json:"file"`
	Size        int64  `json:"size"`
	DigestAlg   string `json:"digest_alg"`
	Digest      string `json:"digest"` // hex
	SigAlg      string `json:"sig_alg"`
	Format      string `json:"format"`
	Signature   string `json:"signature"` // base64 of the raw signature
	SignatureID string `json:"signature_id"`
	Output      string `json:"output"`
	// Timestamp is the time-stamp's time; TimestampFile the token's file
	// (empty for cms, which carries it).
	Timestamp     string `json:"timestamp,omitempty"`
	TimestampFile string `json:"timestamp_file,omitempty"`
}

func signCmd(a *app) *cobra.Command {
	var o signOpts
	cmd := &cobra.Command{
		Use:   "sign --keypair-alias ALIAS [--input] FILE... [flags]",
		Short: "Hash files locally, have the server sign the digests, write the signatures",
		Long: `Hash each file locally (streaming, any size), send only the digests, and
write each signature next to its file (or to --output / --out-dir). Many
files are signed in batch requests of up to 1000 digests. Every signature
is checked against the keypair's public key before it is written.

Formats: raw (PKCS#1 or PSS bytes for RSA, DER for ECDSA, 64 bytes for
Ed25519: what "openssl dgst -verify" and "openssl pkeyutl -verify" take),
base64, pem, and cms: a detached CMS/PKCS#7 .p7s with the certificate and
chain, for "openssl cms -verify". cms uses the keypair's certificate and
chain from the server (keypair generate --generate-cert), or --cert and
--chain for one issued elsewhere.

--timestamp has the server time-stamp each signature (RFC 3161, by
Signet's TSA or the external TSAs it is configured with): a cms .p7s
carries the token as its signature time-stamp; other formats get it in a
FILE.sig.tst beside the signature, for "openssl ts -verify -token_in".

The signature log records each file's name, size and the tool. Inside a
directory (--recursive), files named *.sig, *.sig.b64, *.sig.pem, *.p7s and *.tst
are not signed. A progress bar shows on a terminal for inputs over 64 MiB.`,
		Example: `  signet sign --keypair-alias release-ec --input app.tar.gz
  signet sign -k release-rsa --sig-alg SHA256withRSA/PSS app.exe --output app.exe.sig
  signet sign -k release-ec --recursive dist/ --out-dir sigs/ -o json
  signet sign -k release-ec --format cms --timestamp app.bin
  signet sign -k release-ec --format cms --cert release-ec.crt --chain chain.pem app.bin
  openssl cms -verify -binary -inform DER -in app.bin.p7s -content app.bin -CAfile root.pem -purpose any -out /dev/null`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.inputs = append(o.inputs, args...)
			return a.sign(cmd, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.alias, "keypair-alias", "k", "", "keypair to sign with (required)")
	fl.StringArrayVarP(&o.inputs, "input", "i", nil, "file or directory to sign (repeatable; also as arguments)")
	fl.BoolVarP(&o.recursive, "recursive", "r", false, "sign every file under directories")
	fl.StringVar(&o.output, "output", "", "signature file for a single input (\"-\": stdout)")
	fl.StringVar(&o.outDir, "out-dir", "", "write signatures under this directory instead of next to the files")
	fl.StringVar(&o.digestAlg, "digest-alg", "", "sha256, sha384 or sha512 (default: from --sig-alg, else sha256; sha512 for Ed25519)")
	fl.StringVar(&o.sigAlg, "sig-alg", "", "e.g. SHA256withRSA, SHA256withRSA/PSS, SHA384withECDSA, Ed25519ph, Ed25519 (default: from the keypair)")
	fl.StringVar(&o.format, "format", "raw", "raw, base64, pem or cms (.p7s)")
	fl.StringVar(&o.cert, "cert", "", "cms: the keypair's certificate (PEM or DER), when the server has none")
	fl.StringVar(&o.chain, "chain", "", "cms: PEM bundle of the intermediates and root, root last")
	fl.StringVar(&o.tool, "tool", "signet/"+version, "tool name recorded in the signature log")
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&o.timestamp, "timestamp", false, "have each signature time-stamped (RFC 3161)")
	_ = cmd.RegisterFlagCompletionFunc("keypair-alias", completeAliases(a))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"raw", "base64", "pem", "cms"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("digest-alg", cobra.FixedCompletions([]string{"sha256", "sha384", "sha512"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("sig-alg", cobra.FixedCompletions(sigalg.Names(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) sign(cmd *cobra.Command, o signOpts) error {
	if err := o.check(cmd); err != nil {
		return err
	}
	ins, err := collectInputs(o.inputs, o.recursive, isSignatureFile)
	if err != nil {
		return err
	}
	if o.output != "" && len(ins) > 1 {
		return usageErr(cmd, "--output names one signature file, but there are %d inputs; use --out-dir", len(ins))
	}
	// Hash while the connection is set up and the keypair described; the
	// guess of the digest algorithm is wrong only for an Ed25519 keypair
	// signed without --sig-alg or --digest-alg (then it hashes again).
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	var total int64
	for _, in := range ins {
		total += in.size
		in.out = outPath(in, o, formatExt[o.format])
	}
	showBar := !o.quiet && total >= progressMin && a.stderrTerminal()
	guess := o.guessHash()
	var done atomic.Int64
	bar := startProgress(showBar, a.stderr, "hashing", total, &done)
	hashed := make(chan error, 1)
	go func() { hashed <- hashAll(ctx, ins, guess, &done) }()
	c, _, err := a.client()
	var p *plan
	if err == nil {
		p, err = a.plan(cmd, c, o)
	}
	if err != nil {
		cancel()
		<-hashed
		bar.stop()
		return err
	}
	err = <-hashed
	bar.stop()
	if err == nil && p.fileHash != guess {
		done.Store(0)
		bar = startProgress(showBar, a.stderr, "hashing", total, &done)
		err = hashAll(ctx, ins, p.fileHash, &done)
		bar.stop()
	}
	if err != nil {
		return err
	}
	items, err := p.items(ins)
	if err != nil {
		return err
	}
	results := make([]signResult, len(ins))
	// Each batch's signatures are written as soon as they come, so that a
	// later refusal (a quota, say) loses none that the server has logged.
	err = a.sendBatches(cmd, c, o, p, items, func(i int, r client.SignResponse) error {
		in := ins[i]
		out, err := p.finish(i, r)
		if err != nil {
			return fmt.Errorf("%s: %w", in.path, err)
		}
		if err := writeSig(a.stdout, in.out, out); err != nil {
			return err
		}
		var stampedAt, tokenFile string
		if o.timestamp {
			at, _ := checkToken(r.TimestampToken, r.Signature) // checked by finish
			stampedAt = at.UTC().Format(time.RFC3339)
			if o.format != "cms" {
				tokenFile = in.out + tokenExt
				if err := writeSig(a.stdout, tokenFile, r.TimestampToken); err != nil {
					return err
				}
			}
		}
		results[i] = signResult{Timestamp: stampedAt, TimestampFile: tokenFile, File: in.path, Size: in.size, DigestAlg: sigalg.HashName(p.fileHash),
			Digest: hex.EncodeToString(in.digest), SigAlg: p.alg.Name, Format: o.format,
			Signature: base64.StdEncoding.EncodeToString(r.Signature), SignatureID: r.SignatureID, Output: in.out}
		return nil
	})
	if err != nil {
		return err
	}
	if o.output == "-" {
		return nil
	}
	a.note("Signed %d file(s) with %s (%s).", len(ins), o.alias, p.alg.Name)
	return a.show(results, func(w io.Writer) {
		row(w, "FILE", "SIZE", "SIGNATURE")
		for _, r := range results {
			row(w, r.File, size(r.Size), r.Output)
		}
	})
}

// guessHash is the digest algorithm the flags imply, else SHA-256.
func (o signOpts) guessHash() crypto.Hash {
	if alg, err := sigalg.Parse(o.sigAlg); err == nil {
		if alg.Key == sigalg.Ed25519 {
			return crypto.SHA512
		}
		return alg.Hash
	}
	if h, err := sigalg.ParseHash(o.digestAlg); err == nil {
		return h
	}
	return crypto.SHA256
}

// sendBatches asks for the signatures, one sign request for one file,
// else sign-batch requests of up to batchMax digests, and hands each to got
// with its index.
func (a *app) sendBatches(cmd *cobra.Command, c *client.Client, o signOpts, p *plan, items []client.BatchItem,
	got func(int, client.SignResponse) error) error {
	ctx := cmd.Context()
	if len(items) == 1 {
		r, err := c.Sign(ctx, o.alias, client.SignRequest{SigAlg: p.alg.Name, Hash: items[0].Hash, Tool: o.tool,
			FileName: items[0].FileName, FileSize: items[0].FileSize, Timestamp: o.timestamp})
		if err != nil {
			return err
		}
		return got(0, r)
	}
	for start := 0; start < len(items); start += batchMax {
		end := min(start+batchMax, len(items))
		rs, err := c.SignBatch(ctx, o.alias, client.BatchSignRequest{SigAlg: p.alg.Name, Tool: o.tool, Items: items[start:end], Timestamp: o.timestamp})
		if err != nil {
			if start > 0 {
				a.warn("the first %d signatures were written; the rest were refused", start)
			}
			return err
		}
		for k, r := range rs {
			if err := got(start+k, r); err != nil {
				return err
			}
		}
	}
	return nil
}
