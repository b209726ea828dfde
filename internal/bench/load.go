package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
)

// Target is a server with the signing endpoint.
type Target struct {
	Name   string      // for reports: "bare", "signetd"
	URL    string      // https://127.0.0.1:port
	APIKey string      // sent as x-api-key when not empty
	TLS    *tls.Config // server trust and client certificate
	PID    int         // the server's process on this machine, if known: CPU is measured
}

// Load is one closed-loop measurement: Clients goroutines, each with its
// own keep-alive connection, post signing requests back to back; the first
// Warmup is not measured, then requests that start and end within Duration
// are.
type Load struct {
	Target      Target
	Alias       string
	SigAlg      string           // e.g. SHA256withECDSA
	Public      crypto.PublicKey // verifies sampled signatures
	Clients     int
	Warmup      time.Duration
	Duration    time.Duration
	HTTP2       bool // HTTP/2 instead of HTTP/1.1 (still one connection per client)
	VerifyEvery int  // verify every n-th answer of each client; 0 means 8
}

// Result is the outcome of a Load.
type Result struct {
	Clients    int               `json:"clients"`
	OK         uint64            `json:"ok"`       // 200 answers with a valid signature, in the window
	Errors     map[string]uint64 `json:"errors"`   // by status, "transport" or "bad_signature", warm-up included
	Verified   uint64            `json:"verified"` // signatures checked against the public key
	Elapsed    time.Duration     `json:"elapsed_ns"`
	Throughput float64           `json:"throughput"` // OK per second
	P50        time.Duration     `json:"p50_ns"`
	P90        time.Duration     `json:"p90_ns"`
	P99        time.Duration     `json:"p99_ns"`
	Max        time.Duration     `json:"max_ns"`
	Load1      float64           `json:"load1"` // 1-minute load average before the point
	// CPU time per OK answer during the window, of the server (when its
	// process is known) and of the load generator; 0 when unknown.
	ServerCPU time.Duration `json:"server_cpu_per_op_ns"`
	ClientCPU time.Duration `json:"client_cpu_per_op_ns"`
}

// ErrorCount is the number of failed requests.
func (r Result) ErrorCount() uint64 {
	var n uint64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// clientStats is what one client goroutine gathers.
type clientStats struct {
	hist     Histogram
	errors   map[string]uint64
	verified uint64
}

// Run runs the load and returns its result. The target must be on loopback.
func (l Load) Run(ctx context.Context) (Result, error) {
	alg, err := sigalg.Parse(l.SigAlg)
	if err != nil {
		return Result{}, err
	}
	if l.Clients < 1 || l.Duration <= 0 {
		return Result{}, errors.New("bench: need at least one client and a positive duration")
	}
	if err := CheckLoopback(ctx, l.Target.URL); err != nil {
		return Result{}, err
	}
	u := l.Target.URL + "/api/v1/keypairs/" + url.PathEscape(l.Alias) + "/sign"
	res := Result{Clients: l.Clients, Errors: map[string]uint64{}, Load1: LoadAverage()}
	t0 := time.Now().Add(l.Warmup)
	t1 := t0.Add(l.Duration)
	ctx, cancel := context.WithDeadline(ctx, t1.Add(30*time.Second))
	defer cancel()
	stats := make([]clientStats, l.Clients)
	var wg sync.WaitGroup
	for i := range stats {
		wg.Go(func() { l.client(ctx, u, alg, uint64(i), t0, t1, &stats[i]) })
	}
	sleep(ctx, time.Until(t0))
	srvCPU, selfCPU := startCPU(l.Target.PID), startCPU(os.Getpid())
	sleep(ctx, time.Until(t1))
	srvUsed, selfUsed := srvCPU.used(), selfCPU.used()
	wg.Wait()
	var h Histogram
	for i := range stats {
		h.Merge(&stats[i].hist)
		res.Verified += stats[i].verified
		for k, n := range stats[i].errors {
			res.Errors[k] += n
		}
	}
	res.OK, res.Elapsed = h.Count(), l.Duration
	res.Throughput = float64(h.Count()) / l.Duration.Seconds()
	res.P50, res.P90, res.P99, res.Max = h.Percentile(50), h.Percentile(90), h.Percentile(99), h.Max()
	res.ServerCPU, res.ClientCPU = perOp(srvUsed, h.Count()), perOp(selfUsed, h.Count())
	return res, ctx.Err()
}

// client posts requests one after another until t1.
func (l Load) client(ctx context.Context, u string, alg sigalg.Alg, id uint64, t0, t1 time.Time, st *clientStats) {
	st.errors = map[string]uint64{}
	tr := l.transport()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	every := uint64(max(l.VerifyEvery, 0))
	if every == 0 {
		every = 8
	}
	var seed [16]byte
	binary.BigEndian.PutUint64(seed[:8], id)
	for n := uint64(0); ctx.Err() == nil; n++ {
		start := time.Now()
		if !start.Before(t1) {
			return
		}
		binary.BigEndian.PutUint64(seed[8:], n)
		digest := digestOf(alg, seed[:])
		status, body, err := l.post(ctx, hc, u, digest)
		end := time.Now()
		kind := ""
		switch {
		case err != nil:
			kind = "transport"
		case status != http.StatusOK:
			kind = strconv.Itoa(status)
		case n%every == 0:
			if verr := verifyAnswer(l.Public, alg, digest, body); verr != nil {
				kind = "bad_signature"
			} else {
				st.verified++
			}
		}
		if kind != "" {
			st.errors[kind]++
			if err != nil {
				time.Sleep(10 * time.Millisecond) // a dead server must not spin the loop
			}
			continue
		}
		if !start.Before(t0) && !end.After(t1) {
			st.hist.Record(end.Sub(start))
		}
	}
}

// post sends one signing request and reads the whole answer.
func (l Load) post(ctx context.Context, hc *http.Client, u string, digest []byte) (int, []byte, error) {
	body := make([]byte, 0, 64+base64.StdEncoding.EncodedLen(len(digest))+len(l.SigAlg))
	body = fmt.Appendf(body, `{"sig_alg":%q,"hash":"`, l.SigAlg)
	body = base64.StdEncoding.AppendEncode(body, digest)
	body = append(body, `"}`...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if l.Target.APIKey != "" {
		req.Header.Set("x-api-key", l.Target.APIKey)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, data, err
}

// transport is one client's: a single keep-alive connection.
func (l Load) transport() *http.Transport {
	tc := l.Target.TLS.Clone()
	tc.NextProtos = nil
	tr := &http.Transport{
		TLSClientConfig:     tc,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		DisableCompression:  true,
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     time.Minute,
		Protocols:           new(http.Protocols),
	}
	if l.HTTP2 {
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	return tr
}

// digestOf hashes seed with alg's digest algorithm (pure Ed25519 signs the
// seed itself).
func digestOf(alg sigalg.Alg, seed []byte) []byte {
	if alg.Pure {
		return append([]byte(nil), seed...)
	}
	h := alg.Hash.New()
	h.Write(seed)
	return h.Sum(nil)
}

// verifyAnswer checks the signature of a {"signature": base64} answer.
func verifyAnswer(pub crypto.PublicKey, alg sigalg.Alg, digest, body []byte) error {
	var a struct {
		Signature []byte `json:"signature"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	return Verify(pub, alg, digest, a.Signature)
}
