package server

import (
	"context"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/siglog"
)

// Store is everything one database provides: each domain's store interface,
// the journal writer, health and lifecycle.
type Store interface {
	keypair.Store
	audit.Store
	siglog.Store
	auth.Store
	auth.CertStore
	auth.IdentityStore
	journal.Writer
	release.Store
	release.Phases
	PKIStore
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close closes the database.
	Close() error
}
