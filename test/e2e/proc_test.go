//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is a signetd process started by a test. It is killed when the test
// ends if it is still running.
type proc struct {
	t       *testing.T
	name    string
	addr    string // 127.0.0.1:port
	caFile  string // trust for the server certificate
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error // exit status, set before done is closed
}

// startDev runs `signetd dev` on dir and waits until it serves and (on a
// first start) has written credentials.env.
func startDev(t *testing.T, dir string) *proc {
	t.Helper()
	return startServer(t, "dev", nil, filepath.Join(dir, "tls", "ca.crt"), func(addr string) []string {
		return []string{"dev", "--data-dir", dir, "--listen", addr}
	}, filepath.Join(dir, "credentials.env"))
}

// startServer starts signetd on a free loopback port, retrying on another
// port if that one was taken meanwhile, and waits for /healthz (and for
// the file waitFile, when not empty).
func startServer(t *testing.T, name string, env []string, caFile string, args func(addr string) []string, waitFile string) *proc {
	t.Helper()
	return startServerShown(t, asIs, name, env, caFile, args, waitFile)
}

// asIs shows a process's output as it is.
func asIs(s string) string { return s }

// startServerShown is startServer; a failing test shows the process's
// output through show (which may hide secrets).
func startServerShown(t *testing.T, show func(string) string, name string, env []string, caFile string, args func(addr string) []string, waitFile string) *proc {
	t.Helper()
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		p := startShown(t, show, name, env, args(addr)...)
		p.addr, p.caFile = addr, caFile
		err := p.waitReady(waitFile, time.Minute)
		if err == nil {
			return p
		}
		if attempt < 3 && p.exited() && strings.Contains(p.output(), "address already in use") {
			continue
		}
		t.Fatalf("%s did not become ready: %v\n%s", name, err, show(p.output()))
	}
}

// startShown runs signetd with args; its output goes to a file in a
// temporary directory, shown through show when the test fails.
func startShown(t *testing.T, show func(string) string, name string, env []string, args ...string) *proc {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "signetd-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(signetd(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, name: name, logPath: logf.Name(), cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s (%s):\n%s", name, show(strings.Join(args, " ")), show(p.tail(8000)))
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func (p *proc) tail(n int) string {
	s := p.output()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// waitReady polls /healthz until it answers 200 and waitFile exists.
func (p *proc) waitReady(waitFile string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if p.exited() {
			return fmt.Errorf("exited: %v", p.err)
		}
		err := p.healthz()
		if err == nil && waitFile != "" {
			if _, serr := os.Stat(waitFile); serr != nil {
				err = serr
			}
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) healthz() error {
	pem, err := os.ReadFile(p.caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	resp, err := c.Get("https://" + p.addr + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz: %s", resp.Status)
	}
	return nil
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("kill -9 %s: %v", p.name, err)
	}
	<-p.done
}

// stop sends SIGTERM and returns the exit status, failing the test if the
// process has not ended within a minute.
func (p *proc) stop() error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM %s: %v", p.name, err)
	}
	return p.wait(time.Minute)
}

// wait waits for the process to end and returns its exit status.
func (p *proc) wait(limit time.Duration) error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(limit):
		p.t.Fatalf("%s still running %v after SIGTERM", p.name, limit)
		return nil
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run runs signetd with args to completion and returns its exit code and
// combined output.
func run(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, signetd(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("signetd %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return -1, ""
}

// runOK runs signetd with args and fails the test unless it exits 0. It
// returns stdout.
func runOK(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, signetd(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("signetd %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}
