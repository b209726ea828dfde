package keypair

import (
	"context"
	"net/http"

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
	if err := km.Destroy(ctx, kp.Handle); err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s backend failed to destroy the expired key of %s", kp.Storage, kp.Alias)
	}
	now := s.Guard.Now().UTC()
	ev := s.Guard.Event(ctx, system, guard.Target{Type: "Keypair", Action: "Expire", ID: kp.ID, Name: kp.Alias}, audit.Allowed, "expired")
	if err := s.Store.DestroyKeypair(ctx, kp.ID, now, ev); err != nil {
		return nil, errs.Internal(err)
	}
	kp.State, kp.DestroyedAt, kp.UpdatedAt = StateDestroyed, &now, now
	return kp, nil
}
