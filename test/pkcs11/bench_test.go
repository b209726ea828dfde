//go:build e2e

package pkcs11

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// libp11Engine is the OpenSSL engine osslsigncode loads PKCS#11 modules with.
const libp11Engine = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"

// BenchmarkOsslsigncode signs the same PE with osslsigncode through the
// libp11 engine, in turn through libsignet-pkcs11 and signetd (an RSA
// 2048 key on the server's SoftHSM2 token), the same with the module's
// shared key list cache off (SIGNET_PKCS11_CACHE=off: every process lists
// the keypairs), through a signet agent (the module holds no credentials
// and makes no TLS connection), and through libsofthsm2.so directly (an
// RSA 2048 key on a token of its own), one whole osslsigncode process
// each, and reports the median wall time of each and the ratios to
// SoftHSM2:
//
//	go test -tags e2e -run '^$' -bench Osslsigncode -benchtime 100x ./test/pkcs11/
//
// Each side signs with a self-signed certificate made through its own
// module (the benchmark measures signing, not trust); the signed files
// are checked with osslsigncode verify first.
func BenchmarkOsslsigncode(b *testing.B) {
	f := newFixture(b, keySpec{"rsa", map[string]any{"algorithm": "rsa", "key_size": 2048, "storage": "hsm"}})
	pe := buildPE(b, f.dir)
	soft := newSoftToken(b, f, b.TempDir())
	signetCert := f.path("signet-selfsigned.pem")
	f.run(b, true, []string{"PKCS11_MODULE_PATH=" + f.module}, "openssl", "req", "-engine", "pkcs11", "-keyform", "engine",
		"-new", "-x509", "-key", f.uri("rsa"), "-subj", "/CN=Signet benchmark", "-days", "30", "-out", signetCert)

	agent := f.startAgent(b)
	signetWith := func(f *fixture, env []string) func(string) {
		return func(out string) {
			f.run(b, true, env, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", f.module,
				"-key", f.uri("rsa"), "-certs", signetCert, "-h", "sha256", "-in", pe, "-out", out)
		}
	}
	softhsm := func(out string) {
		f.run(b, true, soft.env, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", soft.module,
			"-key", soft.uri, "-pass", soft.pin, "-certs", soft.cert, "-h", "sha256", "-in", pe, "-out", out)
	}
	sides := []struct {
		name string
		sign func(string)
		cert string
	}{
		{"softhsm", softhsm, soft.cert},
		{"signet", signetWith(f, nil), signetCert},
		{"signet-nocache", signetWith(f, []string{"SIGNET_PKCS11_CACHE=off"}), signetCert},
		{"signet-agent", signetWith(agent, nil), signetCert},
	}
	for _, side := range sides {
		out := f.path(side.name + ".exe")
		side.sign(out)
		f.verified(b, "Succeeded", "osslsigncode", "verify", "-CAfile", side.cert, "-in", out)
	}

	times := make([][]time.Duration, len(sides))
	for i := 0; b.Loop(); i++ {
		for j := range sides {
			k := (i + j) % len(sides) // rotate which goes first
			out := f.path(fmt.Sprint("out", j, ".exe"))
			os.Remove(out) // osslsigncode does not overwrite
			start := time.Now()
			sides[k].sign(out)
			times[k] = append(times[k], time.Since(start))
		}
	}
	soft0 := median(times[0])
	line := fmt.Sprintf("%d rounds;", len(times[0]))
	for k, side := range sides {
		m := median(times[k])
		b.ReportMetric(m.Seconds()*1000, "ms-"+side.name)
		if k > 0 {
			b.ReportMetric(float64(m)/float64(soft0), "ratio-"+side.name)
		}
		line += fmt.Sprintf(" %s median %v p90 %v;", side.name, m, pct(times[k], 90))
	}
	size := int64(0)
	if fi, err := os.Stat(pe); err == nil {
		size = fi.Size()
	}
	b.Logf("%s PE of %d bytes", line, size)
}

// phaseNames are the fields testdata/phases.c prints, in order.
var phaseNames = []string{"load", "initialize", "session", "find", "sign", "finalize", "total"}

// BenchmarkPhases times each PKCS#11 call of one signature in a fresh
// process (testdata/phases.c), in turn through libsignet-pkcs11 (with and
// without the shared key list cache) and through libsofthsm2.so, and
// reports the median of each phase: where the time of
// BenchmarkOsslsigncode goes.
//
//	go test -tags e2e -run '^$' -bench Phases -benchtime 100x ./test/pkcs11/
func BenchmarkPhases(b *testing.B) {
	f := newFixture(b, keySpec{"rsa", map[string]any{"algorithm": "rsa", "key_size": 2048, "storage": "hsm"}})
	soft := newSoftToken(b, f, b.TempDir())
	src, err := filepath.Abs(filepath.Join("testdata", "phases.c"))
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "phases")
	f.ok(b, "gcc", "-O2", "-Wall", "-I/usr/include/p11-kit-1", "-o", bin, src, "-ldl")
	agent := f.startAgent(b)
	sides := []struct {
		name string
		f    *fixture
		env  []string
		args []string
	}{
		{"signet", f, nil, []string{f.module, f.keys["rsa"].Alias}},
		{"signet-nocache", f, []string{"SIGNET_PKCS11_CACHE=off"}, []string{f.module, f.keys["rsa"].Alias}},
		{"signet-agent", agent, nil, []string{f.module, f.keys["rsa"].Alias}},
		{"softhsm", f, soft.env, []string{soft.module, soft.label, soft.pin}},
	}
	times := map[string][]time.Duration{} // "signet find" -> durations
	for i := 0; b.Loop(); i++ {
		for j := range sides {
			side := sides[(i+j)%len(sides)] // rotate which goes first
			fields := strings.Fields(side.f.run(b, true, side.env, bin, side.args...))
			if len(fields) != 2*len(phaseNames) {
				b.Fatalf("phases printed %q", fields)
			}
			for k := 0; k < len(fields); k += 2 {
				ms, err := strconv.ParseFloat(fields[k+1], 64)
				if err != nil || fields[k] != phaseNames[k/2] {
					b.Fatalf("phases printed %q", fields)
				}
				key := side.name + " " + fields[k]
				times[key] = append(times[key], time.Duration(ms*float64(time.Millisecond)))
			}
		}
	}
	for _, side := range sides {
		line := side.name + ":"
		for _, p := range phaseNames {
			m := median(times[side.name+" "+p])
			b.ReportMetric(m.Seconds()*1000, "ms-"+side.name+"-"+p)
			line += fmt.Sprintf(" %s %.2f", p, m.Seconds()*1000)
		}
		b.Log(line + " (medians, ms)")
	}
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
