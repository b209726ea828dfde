// Package bench measures Signet's signing endpoint the way CI uses it, and
// the two baselines it is judged against.
//
// # Pieces
//
//   - [Load]: a closed-loop load generator. N clients, each with one
//     keep-alive HTTPS connection with mutual TLS, post {"sig_alg","hash"}
//     to /api/v1/keypairs/{alias}/sign for a fixed time after a warm-up,
//     record latencies in a [Histogram], verify a sample of the signatures
//     and count every other answer as an error.
//   - [Bare]: the bare baseline server, a TLS server that only decodes the
//     JSON, signs and answers, driven by the same [Load].
//   - [Raw]: the in-process crypto.Signer rate of the disk backend.
//   - [Compare]: all of them for each algorithm, with the targets.
package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Plan is one full comparison.
type Plan struct {
	Algs        []Alg
	Clients     []int // concurrency points, e.g. 2, 8, 32, 64
	Warmup      time.Duration
	Duration    time.Duration // per point
	RawDuration time.Duration
	HTTP2       bool
	VerifyEvery int
	Storage     string // of the keypairs made on signetd; "" for its default
	Release     bool   // put signetd's keypairs in a live release: every signature reserves budget
	Bare        Target // aliases are the Alg names
	Signetd     Target // keypairs are created, and deleted afterwards
	Progress    io.Writer
}

// Compare runs the plan: per algorithm the raw serial and parallel rates,
// then at each concurrency the bare server and signetd back to back, so
// that both see the same background load.
func Compare(ctx context.Context, p Plan) (*Report, error) {
	rep := &Report{Machine: ThisMachine(), Settings: settingsOf(p)}
	for _, a := range p.Algs {
		ar, err := compareAlg(ctx, p, a)
		if err != nil {
			return nil, err
		}
		ar.Targets = targets(a, ar)
		rep.Algs = append(rep.Algs, ar)
	}
	rep.Machine.Load1End = LoadAverage()
	return rep, nil
}

func compareAlg(ctx context.Context, p Plan, a Alg) (AlgReport, error) {
	ar := AlgReport{Alg: a}
	s, err := NewSigner(ctx, a)
	if err != nil {
		return ar, err
	}
	if ar.RawSerial, err = Raw(ctx, s, a, 1, p.Warmup, p.RawDuration); err != nil {
		return ar, err
	}
	p.progress("%s raw serial: %.0f/s", a.Name, ar.RawSerial.Rate)
	if ar.RawParallel, err = Raw(ctx, s, a, runtime.GOMAXPROCS(0), p.Warmup, p.RawDuration); err != nil {
		return ar, err
	}
	p.progress("%s raw parallel (%d): %.0f/s", a.Name, ar.RawParallel.Goroutines, ar.RawParallel.Rate)

	barePub, err := p.Bare.PublicKey(ctx, a.Name)
	if err != nil {
		return ar, err
	}
	alias, err := p.Signetd.CreateKeypair(ctx, a, p.Storage)
	if err != nil {
		return ar, err
	}
	defer func() {
		if derr := p.Signetd.DeleteKeypair(context.WithoutCancel(ctx), alias); derr != nil {
			p.progress("could not delete keypair %s: %v", alias, derr)
		}
	}()
	if p.Release {
		id, err := p.Signetd.CreateRelease(ctx, alias, 10_000_000)
		if err != nil {
			return ar, err
		}
		defer func() {
			if cerr := p.Signetd.CloseRelease(context.WithoutCancel(ctx), id); cerr != nil {
				p.progress("could not close release %s: %v", id, cerr)
			}
		}()
	}
	pub, err := p.Signetd.PublicKey(ctx, alias)
	if err != nil {
		return ar, err
	}
	for _, c := range p.Clients {
		for _, side := range []struct {
			t     Target
			alias string
			pub   any
			out   *[]Result
		}{{p.Bare, a.Name, barePub, &ar.Bare}, {p.Signetd, alias, pub, &ar.Signetd}} {
			l := Load{Target: side.t, Alias: side.alias, SigAlg: a.SigAlg, Public: side.pub, Clients: c,
				Warmup: p.Warmup, Duration: p.Duration, HTTP2: p.HTTP2, VerifyEvery: p.VerifyEvery}
			r, err := l.Run(ctx)
			if err != nil {
				return ar, fmt.Errorf("bench: %s %s at %d clients: %w", side.t.Name, a.Name, c, err)
			}
			*side.out = append(*side.out, r)
			p.progress("%s %-7s c=%-3d %8.0f/s p50 %s p99 %s errors %d verified %d server %sµs/op (load %.2f)",
				a.Name, side.t.Name, c, r.Throughput, ms(r.P50), ms(r.P99), r.ErrorCount(), r.Verified, micros(r.ServerCPU), r.Load1)
		}
	}
	return ar, nil
}

func (p Plan) progress(format string, args ...any) {
	if p.Progress != nil {
		fmt.Fprintf(p.Progress, format+"\n", args...)
	}
}

func settingsOf(p Plan) Settings {
	if p.VerifyEvery <= 0 {
		p.VerifyEvery = 8
	}
	return Settings{Clients: p.Clients, Warmup: p.Warmup, Duration: p.Duration, RawDuration: p.RawDuration,
		HTTP2: p.HTTP2, VerifyEvery: p.VerifyEvery, Release: p.Release, Signetd: p.Signetd.URL, Bare: p.Bare.URL}
}
