package release

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Notifier tells approvers about a release waiting for them.
type Notifier interface {
	ApprovalRequested(ctx context.Context, r *Release) error
}

// Service manages releases.
type Service struct {
	Store interface {
		Store
		Phases
	}
	Keypairs *keypair.Service
	Users    interface {
		GetUser(ctx context.Context, idOrName string) (*auth.User, error)
	}
	Guard *guard.Guard
	// Settings reads the account settings, among them the approvals an
	// offline release needs; read on every request, so every node agrees.
	Settings interface {
		Settings(ctx context.Context) (auth.Settings, error)
	}
	Notify Notifier // optional
}

func target(action string, r *Release) guard.Target {
	return guard.Target{Type: "Release", Action: action, ID: r.ID, Name: r.Name}
}

func (s *Service) now() time.Time { return s.Guard.Now().UTC().Truncate(time.Microsecond) }

// Get returns a release or a 404 error.
func (s *Service) Get(ctx context.Context, id string) (*Release, error) {
	r, err := s.Store.GetRelease(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound("release_not_found", "no release with id %q", id)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	return r, nil
}

// Create creates a release. An offline release waits for approvals.
func (s *Service) Create(ctx context.Context, p policy.Principal, req CreateRequest) (*Release, error) {
	if err := req.normalize(); err != nil {
		return nil, err
	}
	now := s.now()
	r := &Release{ID: uuid.Must(uuid.NewV7()).String(), Name: req.Name, Version: req.Version, Category: req.Category,
		Team: req.Team, Type: req.Type, Start: req.Start.UTC().Truncate(time.Microsecond), End: req.End.UTC().Truncate(time.Microsecond),
		MaxSignatures: req.MaxSignatures, Note: req.Note, Approvals: []Approval{}, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	action := "Create"
	if r.Type == TypeOffline {
		action = "Request"
	}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseRequest, Team: r.Team}, target(action, r)); err != nil {
		return nil, err
	}
	var err error
	if r.Keypairs, err = s.keypairs(ctx, p, r, target(action, r), req.Keypairs); err != nil {
		return nil, err
	}
	if len(req.Participants) == 0 {
		req.Participants = []string{p.UserID}
	}
	if r.Participants, err = s.users(ctx, req.Participants); err != nil {
		return nil, err
	}
	r.Status = StatusApproved
	if r.Type == TypeOffline {
		if r.ApprovalsRequired, err = s.approvals(ctx); err != nil {
			return nil, err
		}
		r.Status = StatusPending
	}
	if err := s.Store.CreateRelease(ctx, r, s.Guard.Event(ctx, p, target(action, r), audit.Allowed, "")); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("keypair_in_live_release", "a keypair of this release is already in another live release")
		}
		if errors.Is(err, store.ErrRetry) {
			return nil, errs.Conflict("release_conflict", "another release was claiming these keypairs at the same time: retry")
		}
		return nil, errs.Internal(err)
	}
	if r.Status == StatusPending && s.Notify != nil {
		_ = s.Notify.ApprovalRequested(ctx, r) // best effort; the request stands
	}
	return r, nil
}

// approvals returns the account setting: how many approvals an offline
// release needs.
func (s *Service) approvals(ctx context.Context) (int, error) {
	if s.Settings == nil {
		return auth.DefaultReleaseApprovals, nil
	}
	set, err := s.Settings.Settings(ctx)
	if err != nil {
		return 0, errs.Internal(err)
	}
	return set.WithDefaults().ReleaseApprovals, nil
}

// keypairs resolves refs to ids for r; test releases take test keypairs
// only, and offline keypairs need an offline release. A keypair r does not
// hold yet goes in only if policy.ReleaseKeypair lets p put it there; a
// refusal is audited against t.
func (s *Service) keypairs(ctx context.Context, p policy.Principal, r *Release, t guard.Target, refs []string) ([]string, error) {
	if len(refs) == 0 {
		return nil, errs.BadRequest("invalid_keypairs", "a release needs at least one keypair")
	}
	if err := checkRefs("keypairs", refs); err != nil {
		return nil, err
	}
	typ := r.Type
	var ids []string
	for _, ref := range refs {
		kp, err := s.Keypairs.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(r.Keypairs, kp.ID) {
			if d := policy.ReleaseKeypair(p, kp.Facts(), r.Team); !d.Allow {
				return nil, s.Guard.Deny(ctx, p, t, errs.Forbidden(d.Code, "%s", d.Reason))
			}
		}
		switch {
		case kp.State == keypair.StateDestroyed:
			return nil, errs.BadRequest("keypair_destroyed", "keypair %s has been deleted", kp.Alias)
		case typ == TypeTest && kp.Category != keypair.CategoryTest:
			return nil, errs.BadRequest("invalid_keypairs", "a test release takes test keypairs; %s is %s", kp.Alias, kp.Category)
		case typ != TypeTest && kp.Category == keypair.CategoryTest:
			return nil, errs.BadRequest("invalid_keypairs", "test keypair %s belongs in a test release", kp.Alias)
		case kp.Status == keypair.StatusOffline && typ != TypeOffline:
			return nil, errs.BadRequest("invalid_keypairs", "offline keypair %s needs an offline release", kp.Alias)
		}
		if !slices.Contains(ids, kp.ID) {
			ids = append(ids, kp.ID)
		}
	}
	return ids, nil
}

func (s *Service) users(ctx context.Context, refs []string) ([]string, error) {
	if err := checkRefs("participants", refs); err != nil {
		return nil, err
	}
	var ids []string
	for _, ref := range refs {
		u, err := s.Users.GetUser(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.BadRequest("unknown_participant", "no user %q", ref)
		}
		if err != nil {
			return nil, errs.Internal(err)
		}
		if !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

// List returns releases.
func (s *Service) List(ctx context.Context, p policy.Principal, f Filter) ([]*Release, error) {
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseView}, guard.Target{Type: "Release", Action: "List"}); err != nil {
		return nil, err
	}
	rs, err := s.Store.ListReleases(ctx, f)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return rs, nil
}

// Describe returns one release.
func (s *Service) Describe(ctx context.Context, p policy.Principal, id string) (*Release, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return r, s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseView, Team: r.Team}, target("Describe", r))
}
