package release

import (
	"context"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

// Update changes a release. What may change depends on its status (the seed
// rules of DESIGN.md): a completed, rejected or closed release takes only
// name, version and note; one in progress takes every field from approvers
// and its creator, and only name, version and note from others; one not
// started (or pending) takes every field.
func (s *Service) Update(ctx context.Context, p policy.Principal, id string, u UpdateRequest) (*Release, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayEdit(ctx, p, r, "Update"); err != nil {
		return nil, err
	}
	now := s.now()
	st := r.Effective(now)
	if !u.onlyLabels() {
		switch {
		case st == StatusCompleted || st == StatusRejected:
			return nil, errs.Conflict("release_fields_locked", "release %s is %s: only name, version and note can change", r.Name, st)
		case st == StatusInProgress && r.CreatedBy != p.UserID && !p.Has(policy.ReleaseApprove):
			return nil, errs.Forbidden("release_fields_locked", "release %s is in progress: only its creator and approvers change more than name, version and note", r.Name)
		}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Name, u.Name)
	set(&r.Version, u.Version)
	set(&r.Note, u.Note)
	set(&r.Team, u.Team)
	if u.Start != nil {
		r.Start = u.Start.UTC().Truncate(time.Microsecond)
	}
	if u.End != nil {
		r.End = u.End.UTC().Truncate(time.Microsecond)
	}
	if u.MaxSignatures != nil {
		if *u.MaxSignatures < r.Used {
			return nil, errs.BadRequest("invalid_max_signatures", "release %s has used %d signatures already", r.Name, r.Used)
		}
		r.MaxSignatures = *u.MaxSignatures
	}
	if err := checkWindow(r.Start, r.End, r.MaxSignatures); err != nil {
		return nil, err
	}
	if u.Keypairs != nil {
		if r.Keypairs, err = s.keypairs(ctx, r.Type, u.Keypairs); err != nil {
			return nil, err
		}
	}
	if u.Participants != nil {
		if r.Participants, err = s.users(ctx, u.Participants); err != nil {
			return nil, err
		}
	}
	r.UpdatedAt = now
	if err := s.Store.UpdateRelease(ctx, r, s.Guard.Event(ctx, p, target("Update", r), audit.Allowed, "")); err != nil {
		return nil, s.storeError(err)
	}
	return r, nil
}
