package keypair

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// system is the actor of rotations made by time or by a signature.
var system = policy.Principal{UserID: "system", Name: "signetd"}

// ErrRotated means another request or node replaced the key first.
var ErrRotated = errors.New("keypair: rotated by someone else first")

// Refresh replaces a dynamic keypair's key now (manual refresh).
func (s *Service) Refresh(ctx context.Context, p policy.Principal, ref string) (*Keypair, error) {
	kp, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := guard.Target{Type: "Dynamic", Action: "Refresh", ID: kp.ID, Name: kp.Alias}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairManage, Keypair: kp.Facts()}, t); err != nil {
		return nil, err
	}
	switch {
	case kp.Type != TypeDynamic:
		return nil, errs.BadRequest("not_dynamic", "keypair %s is static: only dynamic keypairs are refreshed", kp.Alias)
	case kp.State != StateActive:
		return nil, errs.Conflict("keypair_"+kp.State, "keypair %s is %s", kp.Alias, kp.State)
	}
	next, err := s.Rotate(ctx, p, kp, "manual")
	if errors.Is(err, ErrRotated) {
		return s.Get(ctx, ref) // someone else refreshed it meanwhile: fine
	}
	return next, err
}

// Rotate replaces kp's key with a new generation: the new key is made, the
// generation moves with a conditional update (so of several requests or
// nodes exactly one wins: the others get ErrRotated), and only then is the
// old key destroyed. Every replacement is audited as Dynamic/Refresh.
func (s *Service) Rotate(ctx context.Context, p policy.Principal, kp *Keypair, reason string) (*Keypair, error) {
	km, ok := s.Backends[kp.Storage]
	if !ok {
		return nil, errs.Unavailable("storage_unavailable", "storage %q is not configured on this server", kp.Storage)
	}
	h, pub, err := km.Create(ctx, keys.Spec{ID: kp.ID, Label: kp.Alias, Algorithm: kp.Algorithm})
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s backend could not create the new key of %s", kp.Storage, kp.Alias)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		_ = km.Destroy(ctx, h)
		return nil, errs.Internal(err)
	}
	now := s.Guard.Now().UTC().Truncate(time.Microsecond)
	ev := s.Guard.Event(ctx, p, guard.Target{Type: "Dynamic", Action: "Refresh", ID: kp.ID, Name: kp.Alias}, audit.Allowed, "")
	ev.Details = map[string]string{"from_generation": strconv.Itoa(kp.Generation),
		"to_generation": strconv.Itoa(kp.Generation + 1), "reason": reason}
	if err := s.Store.RotateKey(ctx, kp.ID, kp.Generation, h, der, now, ev); err != nil {
		_ = km.Destroy(ctx, h)
		if errors.Is(err, store.ErrConflict) {
			return nil, ErrRotated
		}
		return nil, errs.Internal(err)
	}
	old := kp.Handle
	if err := km.Destroy(ctx, old); err != nil {
		// The old generation is no longer current, so nothing signs with it;
		// its key material is left for an operator to remove.
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error",
			"keypair %s moved to generation %d but the old key could not be destroyed", kp.Alias, kp.Generation+1)
	}
	next := *kp
	next.Generation, next.Handle, next.PublicKey, next.RotatedAt, next.UpdatedAt = kp.Generation+1, h, der, now, now
	if s.Hooks != nil {
		s.Hooks.AfterRotate(ctx, &next)
	}
	return &next, nil
}

// RotateDue replaces every active dynamic keypair whose generation is older
// than every. The caller holds the rotation lease.
func (s *Service) RotateDue(ctx context.Context, every time.Duration) (int, error) {
	now := s.Guard.Now()
	n, after := 0, ""
	for {
		kps, err := s.Store.ListKeypairs(ctx, Filter{Type: TypeDynamic, State: StateActive, After: after, Limit: 500})
		if err != nil {
			return n, err
		}
		for _, kp := range kps {
			made := kp.RotatedAt
			if made.IsZero() {
				made = kp.CreatedAt
			}
			if now.Sub(made) < every {
				continue
			}
			if _, err := s.Rotate(ctx, system, kp, "interval"); err != nil && !errors.Is(err, ErrRotated) {
				return n, fmt.Errorf("rotating %s: %w", kp.Alias, err)
			}
			n++
		}
		if len(kps) < 500 {
			return n, nil
		}
		after = kps[len(kps)-1].ID
	}
}
