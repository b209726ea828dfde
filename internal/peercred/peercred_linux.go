// Package peercred tells who is at the other end of a Unix socket: the
// kernel's word (SO_PEERCRED), not the peer's.
package peercred

import (
	"net"
	"syscall"
)

// Supported reports whether UID works on this system.
const Supported = true

// UID returns the user id of the process at the other end of c.
func UID(c *net.UnixConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return -1, err
	}
	if cerr != nil {
		return -1, cerr
	}
	return int(cred.Uid), nil
}
