package keypair

import (
	"context"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
)

// Expire destroys the key of a keypair whose life has ended (test keypairs
// live at most 30 days), keeping its record, as Delete does. The server
// calls it, so no principal is checked; it is audited as Keypair/Expire by
// the system.
func (s *Service) Expire(ctx context.Context, ref string) (*Keypair, error) {
	kp, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	if kp.State == StateDestroyed {
		return kp, nil
	}
	km, ok := s.Backends[kp.Storage]
	if !ok {
		return nil, errs.Unavailable("storage_unavailable", "storage %q is not configured on this server, so the key of %s cannot be destroyed here", kp.Storage, kp.Alias)
	}
	return s.destroy(ctx, km, kp, func(kp *Keypair) *audit.Event {
		return s.Guard.Event(ctx, system, guard.Target{Type: "Keypair", Action: "Expire", ID: kp.ID, Name: kp.Alias}, audit.Allowed, "expired")
	}, "it expired and is destroyed again on the next attempt")
}
