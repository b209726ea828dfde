package signing

import (
	"context"
	"errors"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
)

// claimWait bounds how long a request waits for a per-signature keypair's
// next generation while another request uses the current one.
const claimWait = 5 * time.Second

// claim takes the one signature of a per-signature keypair's current
// generation, waiting for the next generation while another request holds
// it. A claim left by a request that died is broken by rotating after
// claimWait. It returns the keypair at the claimed generation. With pinned
// set, it claims only that generation: once the keypair is past it, the
// request is refused (409) without claiming another.
func (s *Service) claim(ctx context.Context, p policy.Principal, kp *keypair.Keypair, n, pinned int) (*keypair.Keypair, error) {
	if n != 1 {
		return kp, errs.BadRequest("batch_not_allowed", "keypair %s is replaced after every signature: sign one digest per request", kp.Alias)
	}
	deadline := time.Now().Add(claimWait)
	for {
		if pinned != 0 && kp.Generation != pinned {
			return kp, errs.Conflict("keypair_rotated", "keypair %s moved on to generation %d, not the %d asked for: its key is replaced after every signature; read it again",
				kp.Alias, kp.Generation, pinned)
		}
		ok, err := s.Keypairs.Store.ClaimGeneration(ctx, kp.ID, kp.Generation)
		if err != nil {
			return kp, errs.Internal(err)
		}
		if ok {
			return kp, nil
		}
		if time.Now().After(deadline) {
			// The holder never rotated: replace the key ourselves, then claim.
			if _, err := s.Keypairs.Rotate(ctx, p, kp, "stale_claim"); err != nil && !errors.Is(err, keypair.ErrRotated) {
				return kp, err
			}
			deadline = time.Now().Add(claimWait)
		} else {
			select {
			case <-ctx.Done():
				return kp, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		next, err := s.Keypairs.Get(ctx, kp.ID)
		if err != nil {
			return kp, err
		}
		if next.State != keypair.StateActive {
			return kp, errs.Forbidden("keypair_"+next.State, "keypair %s is %s", kp.Alias, next.State)
		}
		kp = next
	}
}

// rotateAfterUse replaces a per-signature keypair's key once its signature
// is made (or refused), so the next request finds a fresh generation.
func (s *Service) rotateAfterUse(ctx context.Context, kp *keypair.Keypair) {
	ctx = context.WithoutCancel(ctx)
	if _, err := s.Keypairs.Rotate(ctx, rotator, kp, "per_signature"); err != nil && !errors.Is(err, keypair.ErrRotated) && s.OnError != nil {
		s.OnError(err)
	}
	s.Forget(kp.ID)
}

// rotator is the actor of rotations after a signature.
var rotator = policy.Principal{UserID: "system", Name: "signetd"}

// rotatedOr explains a key backend's failure to use a dynamic key: if the
// keypair has moved to another generation since the request read it, the
// key was replaced and destroyed meanwhile (an HSM then refuses it), which
// is the keypair_rotated conflict the journal also reports, for the client
// to retry. Otherwise it returns err.
func (s *Service) rotatedOr(ctx context.Context, kp *keypair.Keypair, err error) error {
	if kp.Type != keypair.TypeDynamic {
		return err
	}
	if cur, gerr := s.Keypairs.Get(ctx, kp.ID); gerr == nil && cur.Generation != kp.Generation {
		s.Forget(kp.ID)
		return errs.Conflict("keypair_rotated", "the key of %s was replaced while signing; nothing was signed, retry", kp.Alias)
	}
	return err
}
