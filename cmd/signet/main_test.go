package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the signet and signetd binaries the scripts run.
var binDir string

// TestMain builds signet and signetd, unless $SIGNET_BIN_DIR has them
// (make build puts them in bin/). The keyring script needs gnome-keyring and
// dbus-daemon (scripts/deps.sh installs them).
func TestMain(m *testing.M) {
	binDir = os.Getenv("SIGNET_BIN_DIR")
	for _, b := range []string{"signet", "signetd"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); binDir != "" && err != nil {
			fmt.Fprintf(os.Stderr, "SIGNET_BIN_DIR=%s has no %s: building both\n", binDir, b)
			binDir = ""
		}
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "signet-bin-")
		if err != nil {
			panic(err)
		}
		for _, pkg := range []string{".", "../signetd"} {
			cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), pkg)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "building", pkg, ":", err)
				os.Exit(1)
			}
		}
		binDir = dir
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestScript runs testdata/*.txt, each against its own "signetd dev".
// The SIGNET_* variables are those of its credentials.env; $SRV is its
// data directory.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			return startServer(env)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"requests":   cmdRequests,
			"envfile":    cmdEnvfile,
			"countlines": cmdCountlines,
			"mkfiles":    cmdMkfiles,
			"perm":       cmdPerm,
			"exits":      cmdExits,
			"mkuser":     cmdMkuser,
		},
	})
}

func startServer(env *testscript.Env) error {
	dir := filepath.Join(env.WorkDir, ".srv")
	log, err := os.Create(filepath.Join(env.WorkDir, ".srv.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(binDir, "signetd"), "dev", "--data-dir", dir, "--listen", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	env.Defer(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
	})
	credPath := filepath.Join(dir, "credentials.env")
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			out, _ := os.ReadFile(log.Name())
			return fmt.Errorf("signetd dev exited:\n%s", out)
		default:
		}
		if _, err := os.Stat(credPath); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("signetd dev did not write %s", credPath)
		}
	}
	data, err := os.ReadFile(credPath)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(k, "SIGNET_") {
			env.Setenv(k, v)
		}
	}
	env.Setenv("SRV", dir)
	return nil
}

// requests ROUTE prints how many requests signetd has answered on the
// route (from its /metrics), e.g. "requests signBatch".
func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: requests ROUTE")
	}
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(ts.Getenv("SIGNET_CA_FILE"))
	ts.Check(err)
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(ts.Getenv("SIGNET_HOST") + "/metrics")
	ts.Check(err)
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "signet_http_request_duration_seconds_count{") && strings.Contains(line, `route="`+args[0]+`"`) {
			f := strings.Fields(line)
			n, err := strconv.ParseFloat(f[len(f)-1], 64)
			ts.Check(err)
			total += n
		}
	}
	fmt.Fprintf(ts.Stdout(), "%d\n", int(total))
}

// envfile VAR FILE sets VAR to the first line of FILE.
func cmdEnvfile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: envfile VAR FILE")
	}
	data := ts.ReadFile(args[1])
	line, _, _ := strings.Cut(data, "\n")
	ts.Setenv(args[0], strings.TrimSpace(line))
}

// countlines FILE N checks that FILE has N lines.
func cmdCountlines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: countlines FILE N")
	}
	n := strings.Count(ts.ReadFile(args[0]), "\n")
	if (strconv.Itoa(n) == args[1]) == neg {
		ts.Fatalf("%s has %d lines, want %s%s", args[0], n, map[bool]string{true: "not "}[neg], args[1])
	}
}

// mkfiles DIR N writes N small distinct files under DIR (in subdirectories).
func cmdMkfiles(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: mkfiles DIR N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	for i := range n {
		p := ts.MkAbs(filepath.Join(args[0], fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%04d.bin", i)))
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		ts.Check(os.WriteFile(p, []byte(strings.Repeat(strconv.Itoa(i), 1+i%50)), 0o644))
	}
}

// exits CODE PROG ARGS... runs PROG and checks its exit code; stdout and
// stderr are kept for the next commands, as with exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exits CODE PROG ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("%v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// perm FILE MODE checks a file's permission bits, e.g. "perm f 0600".
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm FILE MODE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if (fi.Mode().Perm() == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %#o", args[0], fi.Mode().Perm())
	}
}
