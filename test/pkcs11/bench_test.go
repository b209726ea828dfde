//go:build e2e

package pkcs11

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// libp11Engine is the OpenSSL engine osslsigncode loads PKCS#11 modules with.
const libp11Engine = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"

// BenchmarkOsslsigncode signs the same PE with osslsigncode through the
// libp11 engine, alternately through libsignet-pkcs11 and signetd (an RSA
// 2048 key on the server's SoftHSM2 token) and through libsofthsm2.so
// directly (an RSA 2048 key on a token of its own), one whole osslsigncode
// process each, and reports the median wall time of each and their ratio:
//
//	go test -tags e2e -run '^$' -bench Osslsigncode -benchtime 100x ./test/pkcs11/
//
// Each side signs with a self-signed certificate made through its own
// module (the benchmark measures signing, not trust); both signed files
// are checked with osslsigncode verify first.
func BenchmarkOsslsigncode(b *testing.B) {
	f := newFixture(b, keySpec{"rsa", map[string]any{"algorithm": "rsa", "key_size": 2048, "storage": "hsm"}})
	pe := buildPE(b, f.dir)
	soft := newSoftToken(b, f, b.TempDir())
	signetCert := f.path("signet-selfsigned.pem")
	f.run(b, true, []string{"PKCS11_MODULE_PATH=" + f.module}, "openssl", "req", "-engine", "pkcs11", "-keyform", "engine",
		"-new", "-x509", "-key", f.uri("rsa"), "-subj", "/CN=Signet benchmark", "-days", "30", "-out", signetCert)

	signet := func(out string) {
		f.run(b, true, nil, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", f.module,
			"-key", f.uri("rsa"), "-certs", signetCert, "-h", "sha256", "-in", pe, "-out", out)
	}
	softhsm := func(out string) {
		f.run(b, true, soft.env, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", soft.module,
			"-key", soft.uri, "-pass", soft.pin, "-certs", soft.cert, "-h", "sha256", "-in", pe, "-out", out)
	}
	for name, side := range map[string]struct {
		sign func(string)
		cert string
	}{"signet": {signet, signetCert}, "softhsm": {softhsm, soft.cert}} {
		out := f.path(name + ".exe")
		side.sign(out)
		f.verified(b, "Succeeded", "osslsigncode", "verify", "-CAfile", side.cert, "-in", out)
	}

	var st, ht []time.Duration
	timed := func(sign func(string), out string) time.Duration {
		os.Remove(out) // osslsigncode does not overwrite
		start := time.Now()
		sign(out)
		return time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		out := f.path(fmt.Sprint("out", i%2, ".exe"))
		if i%2 == 0 { // alternate which goes first
			st = append(st, timed(signet, out))
			ht = append(ht, timed(softhsm, out))
		} else {
			ht = append(ht, timed(softhsm, out))
			st = append(st, timed(signet, out))
		}
	}
	ms, mh := median(st), median(ht)
	b.ReportMetric(ms.Seconds()*1000, "ms-signet")
	b.ReportMetric(mh.Seconds()*1000, "ms-softhsm")
	b.ReportMetric(float64(ms)/float64(mh), "ratio")
	b.Logf("%d rounds; signet median %v p90 %v; softhsm median %v p90 %v; PE %s",
		len(st), ms, pct(st, 90), mh, pct(ht, 90), filepath.Base(pe))
}

func median(d []time.Duration) time.Duration { return pct(d, 50) }

// pct is the p-th percentile of d (nearest rank).
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p+99)/100-1)]
}
