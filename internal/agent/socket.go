package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/peercred"
)

// Listen makes the agent's socket at path and listens on it.
//
//   - The socket's directory must be the user's own and closed to others
//     (mode 0700; it is made so when missing); the socket itself is 0600.
//   - An agent holds PATH.lock (flock) while it runs: a second agent on the
//     same path is refused, and a socket left by one that died is
//     replaced. Anything at path that is not a socket is left alone and
//     refused.
//   - A connection from another user is closed at once (SO_PEERCRED).
//   - Closing the listener removes the socket, if it is still the one made
//     here, then releases the lock.
func Listen(path string, log *slog.Logger) (net.Listener, error) {
	if !peercred.Supported {
		return nil, errors.New("the signet agent runs on Linux only: it must know who connects (SO_PEERCRED)")
	}
	dir := filepath.Dir(path)
	if err := client.PrivateDir(dir, 0o077); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("an agent already listens on %s", path)
		}
		return nil, fmt.Errorf("lock file: %w", err)
	}
	sl, err := listen(path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &peerListener{socket: sl, lock: lock, uid: os.Getuid(), log: log}, nil
}

// socketListener is the bound socket with its file's identity, so that
// closing removes only that file.
type socketListener struct {
	*net.UnixListener
	path string
	dev  uint64
	ino  uint64
}

// listen binds the socket at path, replacing a stale socket (the caller
// holds the lock, so no agent listens there) and nothing else.
func listen(path string) (*socketListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%s exists and is not a socket; left alone: choose another --socket", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("removing the stale socket: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	l.SetUnlinkOnClose(false) // Close removes it only if it is still ours
	sl := &socketListener{UnixListener: l, path: path}
	fi, err := os.Lstat(path)
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		l.Close()
		os.Remove(path)
		return nil, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		sl.dev, sl.ino = st.Dev, st.Ino
	}
	return sl, nil
}

// remove removes the socket file if it is still the one bound here.
func (l *socketListener) remove() error {
	fi, err := os.Lstat(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != fs.ModeSocket || !ok || st.Dev != l.dev || st.Ino != l.ino {
		return fmt.Errorf("%s is no longer this agent's socket; left alone", l.path)
	}
	return os.Remove(l.path)
}

// peerListener accepts connections from processes of its own user only.
type peerListener struct {
	socket *socketListener
	lock   *os.File
	uid    int
	log    *slog.Logger

	once sync.Once
	err  error
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.socket.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, err := peercred.UID(c)
		if err == nil && uid == l.uid {
			return c, nil
		}
		l.log.Warn("connection refused: another user", "peer_uid", uid, "err", err)
		c.Close()
	}
}

func (l *peerListener) Addr() net.Addr { return l.socket.Addr() }

// Close stops listening, removes the socket if it is still this agent's,
// and releases the lock; later calls return the first one's error.
func (l *peerListener) Close() error {
	l.once.Do(func() {
		l.err = errors.Join(l.socket.Close(), l.socket.remove(), l.lock.Close())
	})
	return l.err
}
