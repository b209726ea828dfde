package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Listen makes the agent's socket at path and listens on it. The socket's
// directory must be the user's own and closed to others (mode 0700; it is
// made so when missing); the socket itself is 0600; a connection from
// another user is closed at once (SO_PEERCRED). A socket left by an agent
// that died is replaced; one with a live agent is not.
func Listen(path string, log *slog.Logger) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("an agent already listens on %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing the stale socket: %w", err)
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return &peerListener{UnixListener: l, uid: os.Getuid(), log: log}, nil
}

// privateDir makes dir (0700) when missing and checks that it belongs to
// the user and is closed to group and others.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to user %d, not to you: choose a directory of your own", dir, st.Uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is open to other users (mode %04o): the socket's directory must be 0700 (chmod 700 %s)",
			dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// peerListener accepts connections from processes of its own user only.
type peerListener struct {
	*net.UnixListener
	uid int
	log *slog.Logger
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err == nil && uid == l.uid {
			return c, nil
		}
		l.log.Warn("connection refused: another user", "peer_uid", uid, "err", err)
		c.Close()
	}
}

// Remove removes the socket file when it is still a socket (at shutdown).
func Remove(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s is not a socket; left alone", path)
	}
	return os.Remove(path)
}
