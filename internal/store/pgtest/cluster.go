package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// cluster is a throw-away PostgreSQL server owned by this process.
type cluster struct {
	dir  string // holds data/, the socket and the log
	cmd  *exec.Cmd
	exit chan error // receives the server's exit status
}

// startCluster runs initdb and starts a server listening only on a unix
// socket in a fresh temporary directory.
func startCluster() (*cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	// Under /tmp, not $TMPDIR: the socket path must stay short and the
	// postgres user must be able to reach it.
	dir, err := os.MkdirTemp("/tmp", "signet-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &cluster{dir: dir, exit: make(chan error, 1)}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			c.remove()
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		c.remove()
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		c.remove()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// The server dies with the test binary, even if the binary is killed.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := c.cmd.Start(); err != nil {
		c.remove()
		return nil, fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	go func() { c.exit <- c.cmd.Wait() }()
	if err := c.waitReady(time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// dsn returns a DSN for database name on the cluster.
func (c *cluster) dsn(name string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", c.dir, name)
}

// waitReady polls until the server accepts connections.
func (c *cluster) waitReady(timeout time.Duration) error {
	db, err := sql.Open("pgx", c.dsn("postgres")+" connect_timeout=2")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-c.exit:
			c.exit <- werr
			return fmt.Errorf("pgtest: postgres exited (%v); log:\n%s", werr, c.log())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres not ready after %v: %v; log:\n%s", timeout, err, c.log())
		}
	}
}

// stop shuts the server down (fast shutdown) and removes its directory.
func (c *cluster) stop() error {
	var err error
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exit:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.exit
			err = errors.New("pgtest: postgres did not stop in 30s; killed")
		}
	}
	c.remove()
	return err
}

func (c *cluster) remove() { os.RemoveAll(c.dir) }

func (c *cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
	return string(b)
}

// binDir finds the newest installed PostgreSQL's bin directory.
func binDir() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	for _, f := range found {
		dir := filepath.Dir(f)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("pgtest: PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: " +
		"run scripts/deps.sh, or set " + EnvDSN)
}

// version extracts N from /usr/lib/postgresql/N/bin/initdb.
func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// credential returns who the server runs as: nil (ourselves) unless we are
// root, which PostgreSQL refuses, and then the postgres user.
func credential() (*syscall.Credential, error) {
	if os.Getuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the postgres user (run scripts/deps.sh): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
