// Package store holds what every storage implementation shares: sentinel
// errors and the aggregate of the domain store interfaces. Each domain package
// (keypair, audit, siglog, auth, ...) owns its own Store interface; the
// implementations live in sqlite/ and postgres/ (over the shared sqlstore/),
// and storetest/ is the conformance suite that runs against both.
package store

import "errors"

var (
	// ErrNotFound is returned when a row does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a unique constraint is violated.
	ErrConflict = errors.New("store: conflict")
	// ErrRetry is returned when the database aborted a transaction in
	// favour of a concurrent one (a deadlock, a serialization failure):
	// nothing was written, and the same change may be tried again.
	ErrRetry = errors.New("store: aborted for a concurrent transaction; retry")
)
