//go:build !linux

// Package peercred tells who is at the other end of a Unix socket; it
// works on Linux only.
package peercred

import (
	"errors"
	"net"
)

// Supported reports whether UID works on this system.
const Supported = false

// UID is known on Linux only (SO_PEERCRED).
func UID(*net.UnixConn) (int, error) {
	return -1, errors.New("peer credentials are checked on Linux only")
}
