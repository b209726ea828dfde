//go:build !linux

package agent

import (
	"errors"
	"net"
)

// peerUID is known on Linux only (SO_PEERCRED): elsewhere every
// connection is refused rather than trusted on the socket's mode alone.
func peerUID(*net.UnixConn) (int, error) {
	return -1, errors.New("the signet agent checks its callers on Linux only")
}
