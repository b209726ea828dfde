package keypair

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/label"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Service manages keypairs.
type Service struct {
	Store          Store
	Backends       map[string]keys.KeyManager // by storage name: disk, hsm
	Guard          *guard.Guard
	DefaultStorage string
	Hooks          Hooks // optional: keypair profiles and certificates
}

// Facts returns what authorization needs to know of kp.
func (kp *Keypair) Facts() *policy.Keypair {
	return &policy.Keypair{ID: kp.ID, State: kp.State, Status: kp.Status, Access: kp.Access,
		AllowedUsers: kp.AllowedUsers, AllowedGroups: kp.AllowedGroups, Team: kp.Team}
}

func target(action string, kp *Keypair) guard.Target {
	return guard.Target{Type: "Keypair", Action: action, ID: kp.ID, Name: kp.Alias}
}

// Get finds a keypair by id or alias, with a 404 error if there is none,
// and a 400 invalid_ref if ref cannot be one (control characters, bytes
// that are not UTF-8), which is never looked up.
func (s *Service) Get(ctx context.Context, ref string) (*Keypair, error) {
	if !label.IsClean(ref, label.MaxRef) {
		return nil, errs.BadRequest("invalid_ref", "a keypair is named by its id or alias: UTF-8 text without control characters, at most %d bytes", label.MaxRef)
	}
	kp, err := s.Store.GetKeypair(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound("keypair_not_found", "no keypair with id or alias %q", ref)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	return kp, nil
}

// Generate creates a keypair and its key in the requested backend.
func (s *Service) Generate(ctx context.Context, p policy.Principal, r CreateRequest) (*Keypair, error) {
	if s.Hooks != nil {
		if err := s.Hooks.BeforeGenerate(ctx, p, &r); err != nil {
			return nil, err
		}
	}
	if err := r.Normalize(s.DefaultStorage); err != nil {
		return nil, err
	}
	id := uuid.Must(uuid.NewV7()).String()
	t := guard.Target{Type: "Keypair", Action: "Generate", ID: id, Name: r.Alias}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairGenerate, Team: r.Team}, t); err != nil {
		return nil, err
	}
	km, ok := s.Backends[r.Storage]
	if !ok {
		return nil, errs.BadRequest("storage_unavailable", "storage %q is not configured on this server", r.Storage)
	}
	if _, err := s.Store.GetKeypair(ctx, r.Alias); err == nil {
		return nil, errs.Conflict("alias_taken", "a keypair with alias %q already exists", r.Alias)
	}
	h, pub, err := km.Create(ctx, keys.Spec{ID: id, Label: r.Alias, Algorithm: r.KeyAlgorithm()})
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend could not create the key", r.Storage)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		_ = km.Destroy(ctx, h)
		return nil, errs.Internal(err)
	}
	now := s.Guard.Now().UTC().Truncate(time.Microsecond)
	kp := &Keypair{ID: id, Alias: r.Alias, Type: r.Type, Algorithm: r.KeyAlgorithm(), Category: r.Category,
		Storage: r.Storage, Status: r.Status, Access: r.Access, AllowedUsers: nonNil(r.AllowedUsers),
		AllowedGroups: nonNil(r.AllowedGroups), Team: r.Team, Profile: r.Profile, State: StateActive,
		Generation: 1, Handle: h, PublicKey: der, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now,
		RotatePerSignature: r.RotatePerSignature, RotatedAt: now}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	if err := s.Store.CreateKeypair(ctx, kp, ev); err != nil {
		_ = km.Destroy(ctx, h) // never leave an orphan key behind
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("alias_taken", "a keypair with alias %q already exists", r.Alias)
		}
		return nil, errs.Internal(err)
	}
	if s.Hooks != nil {
		if err := s.Hooks.AfterGenerate(ctx, p, kp, r); err != nil {
			return kp, err
		}
	}
	return kp, nil
}

// List returns keypairs matching f. The caller needs keypair.view; with
// teams on, keypairs of teams the caller may not see are left out (pages
// are filled up to f.Limit, so paging by the last id still works).
func (s *Service) List(ctx context.Context, p policy.Principal, f Filter) ([]*Keypair, error) {
	t := guard.Target{Type: "Keypair", Action: "List"}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairView}, t); err != nil {
		return nil, err
	}
	var out []*Keypair
	for {
		kps, err := s.Store.ListKeypairs(ctx, f)
		if err != nil {
			return nil, errs.Internal(err)
		}
		for _, kp := range kps {
			if len(out) < f.Limit || f.Limit <= 0 {
				if policy.Authorize(p, policy.Request{Action: policy.KeypairView, Keypair: kp.Facts()}, s.Guard.Now()).Allow {
					out = append(out, kp)
				}
			}
		}
		if len(kps) == 0 || f.Limit <= 0 || len(kps) < f.Limit || len(out) >= f.Limit {
			return out, nil
		}
		f.After = kps[len(kps)-1].ID
	}
}

// Describe returns one keypair.
func (s *Service) Describe(ctx context.Context, p policy.Principal, ref string) (*Keypair, error) {
	kp, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairView, Keypair: kp.Facts()}, target("Describe", kp)); err != nil {
		return nil, err
	}
	return kp, nil
}

// SetState suspends (active=false) or unsuspends a keypair.
func (s *Service) SetState(ctx context.Context, p policy.Principal, ref string, active bool) (*Keypair, error) {
	action, state := "Suspend", StateSuspended
	if active {
		action, state = "Unsuspend", StateActive
	}
	kp, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := target(action, kp)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairManage, Keypair: kp.Facts()}, t); err != nil {
		return nil, err
	}
	if kp.State == StateDestroyed {
		return nil, errs.Conflict("keypair_destroyed", "keypair %s has been deleted", kp.Alias)
	}
	now := s.Guard.Now().UTC().Truncate(time.Microsecond)
	if err := s.Store.SetKeypairState(ctx, kp.ID, state, now, s.Guard.Event(ctx, p, t, audit.Allowed, "")); err != nil {
		return nil, errs.Internal(err)
	}
	kp.State, kp.UpdatedAt = state, now
	return kp, nil
}

// Delete destroys the key material and keeps the record and its history.
// The key is destroyed first (backends make that idempotent), then the record
// is marked destroyed with its audit event, so a failure at either step
// leaves a state that a retried delete completes (see destroy).
func (s *Service) Delete(ctx context.Context, p policy.Principal, ref string) (*Keypair, error) {
	kp, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := target("Delete", kp)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.KeypairDelete, Keypair: kp.Facts()}, t); err != nil {
		return nil, err
	}
	if kp.State == StateDestroyed {
		return kp, nil
	}
	km, ok := s.Backends[kp.Storage]
	if !ok {
		return nil, errs.Unavailable("storage_unavailable", "storage %q is not configured on this server, so the key cannot be destroyed here", kp.Storage)
	}
	return s.destroy(ctx, km, kp, func(kp *Keypair) *audit.Event {
		return s.Guard.Event(ctx, p, target("Delete", kp), audit.Allowed, "")
	}, "nothing was changed, retry the delete")
}

// destroyTries bounds how often destroy reads a keypair again because a
// rotation replaced its key in the meantime.
const destroyTries = 10

// destroy destroys kp's key on km and then marks the record destroyed with
// the event ev makes, on the condition that the keypair is still at the
// generation and handle whose key was destroyed. A rotation committed in
// between has made a new key that the record now names: the keypair is read
// again and that key destroyed in turn, so no generation's key is left on
// the backend with no record naming it. Once the record is destroyed, no
// rotation can follow (a rotation needs an active keypair). failed ends the
// message of a backend's failure to destroy.
func (s *Service) destroy(ctx context.Context, km keys.KeyManager, kp *Keypair, ev func(*Keypair) *audit.Event, failed string) (*Keypair, error) {
	for try := 1; ; try++ {
		if err := km.Destroy(ctx, kp.Handle); err != nil {
			return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error",
				"the %s backend failed to destroy the key of %s; %s", kp.Storage, kp.Alias, failed)
		}
		now := s.Guard.Now().UTC().Truncate(time.Microsecond)
		err := s.Store.DestroyKeypair(ctx, kp.ID, kp.Generation, kp.Handle, now, ev(kp))
		if err == nil {
			kp.State, kp.DestroyedAt, kp.UpdatedAt = StateDestroyed, &now, now
			kp.Handle = keys.Handle{Backend: kp.Handle.Backend}
			return kp, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, errs.Internal(err)
		}
		if try == destroyTries {
			return nil, errs.Conflict("keypair_rotated", "the key of %s was replaced %d times while it was being destroyed; retry", kp.Alias, try)
		}
		if kp, err = s.Get(ctx, kp.ID); err != nil {
			return nil, err
		}
		if kp.State == StateDestroyed {
			return kp, nil // destroyed meanwhile by another request
		}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
