//go:build e2e

package pkcs11

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is the `signetd dev` shared by the package's tests.
type server struct {
	dir   string            // its --data-dir
	creds map[string]string // credentials.env
	api   *api
	cmd   *exec.Cmd
	log   string
	done  chan struct{}
}

var (
	srvMu   sync.Mutex
	srv     *server
	srvErr  error
	srvTemp string // parent of the data directory, removed by stopServer
)

// signet returns the running server, starting it on first use.
func signet(t testing.TB) *server {
	t.Helper()
	b := bins(t)
	srvMu.Lock()
	defer srvMu.Unlock()
	if srv == nil && srvErr == nil {
		srv, srvErr = startServer(b.signetd)
	}
	if srvErr != nil {
		t.Fatal(srvErr)
	}
	select {
	case <-srv.done:
		t.Fatalf("signetd has exited:\n%s", srv.tail())
	default:
	}
	return srv
}

// startServer runs `signetd dev` on a free loopback port (another one if
// that was taken meanwhile) and waits for its credentials.env and /healthz.
func startServer(signetd string) (*server, error) {
	var err error
	if srvTemp, err = os.MkdirTemp("", "signet-pkcs11-e2e-"); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		s := &server{dir: filepath.Join(srvTemp, fmt.Sprint("dev", attempt)), done: make(chan struct{})}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return nil, err
		}
		s.log = filepath.Join(srvTemp, fmt.Sprint("signetd", attempt, ".log"))
		logf, err := os.Create(s.log)
		if err != nil {
			return nil, err
		}
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		s.cmd = exec.Command(signetd, "dev", "--data-dir", s.dir, "--listen", addr)
		s.cmd.Stdout, s.cmd.Stderr = logf, logf
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the tests
		if err := s.cmd.Start(); err != nil {
			logf.Close()
			return nil, err
		}
		logf.Close()
		go func() { _ = s.cmd.Wait(); close(s.done) }()
		err = s.waitReady(addr, time.Minute)
		if err == nil {
			return s, nil
		}
		s.stop()
		if attempt < 3 && strings.Contains(s.tail(), "address already in use") {
			continue
		}
		return nil, fmt.Errorf("signetd dev did not become ready: %v\n%s", err, s.tail())
	}
}

func (s *server) waitReady(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := s.ready(addr)
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited: %v", s.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ready reads credentials.env and asks /healthz.
func (s *server) ready(addr string) error {
	creds, err := readEnv(filepath.Join(s.dir, "credentials.env"))
	if err != nil {
		return err
	}
	a, err := newAPI(s.dir, creds)
	if err != nil {
		return err
	}
	resp, err := a.http.Get("https://" + addr + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz: %s", resp.Status)
	}
	s.creds, s.api = creds, a
	return nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

func stopServer() {
	srvMu.Lock()
	defer srvMu.Unlock()
	if srv != nil {
		srv.stop()
	}
	if srvTemp != "" {
		os.RemoveAll(srvTemp)
	}
}

// readEnv parses the `export K=V` lines of a credentials.env file.
func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export ")
		if k, v, found := strings.Cut(line, "="); ok && found {
			out[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, k := range []string{"SIGNET_HOST", "SIGNET_API_KEY", "SIGNET_CLIENT_CERT_FILE", "SIGNET_CLIENT_CERT_PASSWORD", "SIGNET_CA_FILE"} {
		if out[k] == "" {
			return nil, fmt.Errorf("%s: no %s", path, k)
		}
	}
	return out, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tlsConfig trusts the server's CA and presents the admin's client
// certificate (the PEM copies signetd dev writes beside client.p12).
func tlsConfig(dir string, creds map[string]string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(creds["SIGNET_CA_FILE"])
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", creds["SIGNET_CA_FILE"])
	}
	return &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}}, nil
}
