package bench

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTargets(t *testing.T) {
	res := func(c int, thr float64, p99 time.Duration) Result {
		return Result{Clients: c, Throughput: thr, P99: p99, Errors: map[string]uint64{}}
	}
	ec := AlgReport{Alg: Algs[0],
		Bare:    []Result{res(2, 5000, time.Millisecond), res(32, 10000, 10*time.Millisecond)},
		Signetd: []Result{res(2, 1000, time.Millisecond), res(32, 7500, 21*time.Millisecond)}}
	v := targets(ec.Alg, ec)
	if len(v) != 2 || v[0].Clients != 32 || !v[0].Pass || v[0].Ratio != 0.75 || v[1].Pass || v[1].Ratio != 2.1 {
		t.Fatalf("ECDSA verdicts: %+v", v)
	}
	ec.Signetd[1].Errors["503"] = 1 // errors fail every target
	if v := targets(ec.Alg, ec); v[0].Pass {
		t.Fatalf("a run with errors passed: %+v", v)
	}
	rsa := AlgReport{Alg: Algs[1], RawParallel: RawResult{Rate: 600},
		Bare: []Result{res(8, 550, 0)}, Signetd: []Result{res(8, 545, 0)}}
	if v := targets(rsa.Alg, rsa); len(v) != 1 || !v[0].Pass || v[0].Clients != 8 {
		t.Fatalf("RSA verdicts: %+v", v)
	}
	ec.Targets, rsa.Targets = targets(ec.Alg, ec), targets(rsa.Alg, rsa)
	rep := &Report{Machine: ThisMachine(), Algs: []AlgReport{ec, rsa}}
	var b bytes.Buffer
	rep.WriteTable(&b)
	for _, want := range []string{"ecdsa-p256", "rsa-3072", "FAIL  throughput >= 70% of bare at 32 clients: 75%", "PASS  throughput >= 90% of raw parallel at 8 clients"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestProcessCPU(t *testing.T) {
	// signetd bench runs on Linux (as CI does), where /proc is always there.
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Fatalf("no /proc/self/stat (%v): the bench reads process CPU from /proc", err)
	}
	d, ok := ProcessCPU(os.Getpid())
	if !ok || d < 0 {
		t.Fatalf("ProcessCPU = %v, %v", d, ok)
	}
	if _, ok := ProcessCPU(-1); ok {
		t.Fatal("a missing process reported CPU time")
	}
}
