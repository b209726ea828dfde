package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/bench"
	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
)

type benchOptions struct {
	algs, clients       []string
	warmup, duration    time.Duration
	rawDuration         time.Duration
	http2, keep         bool
	release             bool
	verifyEvery         int
	target, output      string
	storage, clientKey  string
	profileDir, workDir string
	pid                 int
}

func benchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark the signing endpoint against a bare TLS signer and the raw signer",
		Long: `Measure POST /api/v1/keypairs/{alias}/sign over HTTPS with mutual TLS,
keep-alive, authentication, authorization and durable logs, at several
numbers of concurrent clients (closed loop, one connection per client), and
in the same run two baselines: the in-process disk-key signer (serial and
one goroutine per core) and a bare TLS server that only signs, driven by the
same load generator. Prints the table (or -o json) with the targets of the
issue, PASS or FAIL.

By default it starts its own "signetd dev" in a temporary directory as a
child process; --target env loads the server named by SIGNET_HOST,
SIGNET_API_KEY, SIGNET_CLIENT_CERT_FILE, SIGNET_CLIENT_CERT_PASSWORD and
SIGNET_CA_FILE instead. Only loopback addresses are accepted.`,
		Example: "  signetd bench\n  signetd bench --duration 10s --clients 32 -o json\n  . signet-dev/credentials.env && signetd bench --target env",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runBench(cmd, o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.algs, "alg", []string{"ecdsa-p256", "rsa-3072"}, "algorithms: ecdsa-p256, rsa-3072")
	f.StringSliceVar(&o.clients, "clients", []string{"2", "8", "32", "64"}, "numbers of concurrent clients")
	f.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each point")
	f.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per point")
	f.DurationVar(&o.rawDuration, "raw-duration", 3*time.Second, "measured time of each raw in-process rate")
	f.BoolVar(&o.http2, "http2", false, "use HTTP/2 (default HTTP/1.1); still one connection per client")
	f.IntVar(&o.verifyEvery, "verify-every", 8, "verify every n-th signature of each client against the public key")
	f.StringVar(&o.target, "target", "spawn", `"spawn" a signetd dev child, or "env": the server in SIGNET_*`)
	f.StringVar(&o.storage, "storage", "disk", "storage of the keypairs the benchmark creates on signetd")
	f.BoolVar(&o.release, "release", false, "put signetd's keypairs in a live test release, so every signature reserves from its budget")
	f.IntVar(&o.pid, "pid", 0, "with --target env: the server's process id, to measure its CPU per signature")
	f.StringVar(&o.clientKey, "client-key", "", "key file when SIGNET_CLIENT_CERT_FILE is a PEM certificate without its key")
	f.StringVarP(&o.output, "output", "o", "table", "table or json")
	f.StringVar(&o.profileDir, "cpuprofile-dir", "", "write CPU profiles of the bare server and the spawned signetd here")
	f.StringVar(&o.workDir, "dir", "", "working directory (default: a temporary one, removed afterwards)")
	f.BoolVar(&o.keep, "keep", false, "keep the working directory (logs, database)")
	cmd.AddCommand(bareServerCmd(), devServerCmd())
	return cmd
}

func runBench(cmd *cobra.Command, o benchOptions) (err error) {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	plan, err := o.plan()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir := o.workDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "signet-bench-"); err != nil {
			return err
		}
	}
	if !o.keep && o.workDir == "" {
		defer os.RemoveAll(dir)
	}
	if o.profileDir != "" {
		if o.profileDir, err = filepath.Abs(o.profileDir); err != nil {
			return err
		}
	}
	var children []*bench.Child
	defer func() {
		for _, c := range children {
			if serr := c.Stop(); serr != nil && err == nil {
				err = serr
			}
		}
	}()
	bare, err := startBare(exe, dir, o.profile("bare"))
	if bare.child != nil {
		children = append(children, bare.child)
	}
	if err != nil {
		return err
	}
	plan.Bare = bare.target
	sd, err := signetdTarget(exe, dir, o)
	if sd.child != nil {
		children = append(children, sd.child)
	}
	if err != nil {
		return err
	}
	plan.Signetd = sd.target
	plan.Progress = cmd.ErrOrStderr()
	fmt.Fprintf(cmd.ErrOrStderr(), "bench: bare server %s, signetd %s, work dir %s\n", plan.Bare.URL, plan.Signetd.URL, dir)
	rep, err := bench.Compare(ctx, plan)
	if err != nil {
		return err
	}
	if o.output == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.WriteTable(cmd.OutOrStdout())
	return nil
}

func (o benchOptions) plan() (bench.Plan, error) {
	p := bench.Plan{Warmup: o.warmup, Duration: o.duration, RawDuration: o.rawDuration, HTTP2: o.http2,
		VerifyEvery: o.verifyEvery, Storage: o.storage, Release: o.release}
	for _, name := range o.algs {
		a, err := bench.AlgNamed(name)
		if err != nil {
			return p, err
		}
		p.Algs = append(p.Algs, a)
	}
	for _, s := range o.clients {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 || n > 1024 {
			return p, fmt.Errorf("--clients: %q is not a number of clients from 1 to 1024", s)
		}
		p.Clients = append(p.Clients, n)
	}
	switch {
	case o.output != "table" && o.output != "json":
		return p, fmt.Errorf("-o must be table or json, got %q", o.output)
	case o.target != "spawn" && o.target != "env":
		return p, fmt.Errorf("--target must be spawn or env, got %q", o.target)
	case o.duration <= 0 || o.duration > 10*time.Minute || o.warmup < 0 || o.rawDuration <= 0 || o.rawDuration > 10*time.Minute:
		return p, errors.New("durations must be positive and at most 10m")
	}
	return p, nil
}

// profile returns the CPU profile path for a child, or "".
func (o benchOptions) profile(name string) string {
	if o.profileDir == "" {
		return ""
	}
	return filepath.Join(o.profileDir, name+".cpu.pprof")
}

type started struct {
	child  *bench.Child
	target bench.Target
}

// startBare runs "signetd bench bare-server" with fresh TLS material.
func startBare(exe, dir, profile string) (started, error) {
	bdir := filepath.Join(dir, "bare")
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return started{}, err
	}
	if err := bench.WriteTLS(bdir); err != nil {
		return started{}, err
	}
	args := []string{"bench", "bare-server", "--dir", bdir, "--listen", "127.0.0.1:0", "--cpuprofile", profile}
	c, err := bench.StartChild("bare server", exe, args, filepath.Join(dir, "bare.log"))
	if err != nil {
		return started{}, err
	}
	if err := c.WaitFile(filepath.Join(bdir, "addr"), time.Minute); err != nil {
		return started{child: c}, err
	}
	addr, err := os.ReadFile(filepath.Join(bdir, "addr"))
	if err != nil {
		return started{child: c}, err
	}
	tc, err := bench.ClientTLS(filepath.Join(bdir, "ca.crt"), filepath.Join(bdir, "client.crt"), "", filepath.Join(bdir, "client.key"))
	t := bench.Target{Name: "bare", URL: "https://" + strings.TrimSpace(string(addr)), TLS: tc, PID: c.PID()}
	return started{child: c, target: t}, err
}

// signetdTarget starts a signetd dev child, or reads SIGNET_* for --target env.
func signetdTarget(exe, dir string, o benchOptions) (started, error) {
	var s started
	getenv := os.Getenv
	if o.target == "spawn" {
		ddir := filepath.Join(dir, "signetd")
		args := []string{"bench", "dev-server", "--data-dir", ddir, "--listen", "127.0.0.1:0", "--cpuprofile", o.profile("signetd")}
		c, err := bench.StartChild("signetd", exe, args, filepath.Join(dir, "signetd.log"))
		if err != nil {
			return s, err
		}
		s.child = c
		if err := c.WaitFile(filepath.Join(ddir, "credentials.env"), 2*time.Minute); err != nil {
			return s, err
		}
		env, err := bench.ReadEnvFile(filepath.Join(ddir, "credentials.env"))
		if err != nil {
			return s, err
		}
		getenv = func(k string) string { return env[k] }
	}
	cfg, err := client.FromEnv(getenv)
	if err != nil {
		return s, err
	}
	tc, err := bench.ClientTLS(cfg.CAFile, cfg.ClientCertFile, cfg.ClientCertPassword, o.clientKey)
	s.target = bench.Target{Name: "signetd", URL: strings.TrimRight(cfg.Host, "/"), APIKey: cfg.APIKey, TLS: tc}
	if s.target.PID = o.pid; s.child != nil {
		s.target.PID = s.child.PID()
	}
	return s, err
}

// bareServerCmd is the bare baseline server, run as a child by bench.
func bareServerCmd() *cobra.Command {
	var dir, listen, profile string
	cmd := &cobra.Command{
		Use:    "bare-server",
		Short:  "Serve the bare TLS signer (TLS material from --dir, as bench writes it)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cert, pool, err := bench.ServerTLS(dir)
			if err != nil {
				return err
			}
			b, err := bench.NewBare(cmd.Context(), bench.Algs)
			if err != nil {
				return err
			}
			srv := bench.BareServer(b.Handler(), cert, pool)
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			defer startProfile(profile)()
			if err := pki.WriteFileAtomic(filepath.Join(dir, "addr"), []byte(ln.Addr().String()), 0o600); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
			if err := srv.ServeTLS(ln, "", ""); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory with server.crt, server.key and ca.crt; addr is written there")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile here")
	return cmd
}

// devServerCmd is "signetd dev" with an optional CPU profile, as bench's
// child. Key backends that this binary lacks (hsm) are left out: the
// benchmark uses disk keys.
func devServerCmd() *cobra.Command {
	var dataDir, listen, profile, pprofAddr string
	cmd := &cobra.Command{
		Use:    "dev-server",
		Short:  "Run signetd dev, optionally with a CPU profile",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := devSetup(dataDir, listen)
			if err != nil {
				return err
			}
			if c.Keys.HSM != nil && !slices.Contains(keys.Backends(), "hsm") {
				c.Keys.HSM = nil
			}
			defer startProfile(profile)()
			if err := servePprof(pprofAddr); err != nil {
				return err
			}
			return run(cmd.Context(), c, false, func(addr string) {
				if err := devCredentials(cmd.Context(), c, dataDir, addr); err != nil {
					fmt.Fprintln(os.Stderr, "signetd bench dev-server:", err)
				}
			})
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "signet-bench", "directory for the database, keys and credentials")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile here")
	cmd.Flags().StringVar(&pprofAddr, "pprof", "", "serve net/http/pprof (with mutex and block profiles) on this loopback address")
	return cmd
}

// servePprof serves the runtime profiles on addr, a loopback address, with
// mutex and block profiling on. Nothing is served when addr is empty.
func servePprof(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof: %q is not a loopback address and port", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}

// startProfile starts a CPU profile to path (nothing when empty) and
// returns the function that stops it.
func startProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "signetd: CPU profile:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
