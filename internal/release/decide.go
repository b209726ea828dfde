package release

import (
	"context"
	"errors"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Decide records an approval (approve=true) or a rejection of a pending
// release. The release is approved once it has the required approvals; one
// rejection rejects it. Requesters cannot decide on their own release.
func (s *Service) Decide(ctx context.Context, p policy.Principal, id string, approve bool, comment string) (*Release, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	action, decision := "Reject", "reject"
	if approve {
		action, decision = "Approve", "approve"
	}
	t := target(action, r)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseApprove, Team: r.Team}, t); err != nil {
		return nil, err
	}
	switch {
	case r.CreatedBy == p.UserID:
		return nil, s.Guard.Deny(ctx, p, t, errs.Forbidden("own_release", "you requested release %s: another approver must decide", r.Name))
	case r.Status != StatusPending:
		return nil, errs.Conflict("release_not_pending", "release %s is %s, not waiting for approval", r.Name, r.Effective(s.now()))
	}
	for _, a := range r.Approvals {
		if a.UserID == p.UserID {
			return nil, errs.Conflict("already_decided", "you already decided on release %s", r.Name)
		}
	}
	now := s.now()
	r.Approvals = append(r.Approvals, Approval{UserID: p.UserID, UserName: p.Name, Decision: decision, Comment: comment, At: now})
	if !approve {
		r.Status = StatusRejected
	} else if approvals(r) >= r.ApprovalsRequired {
		r.Status = StatusApproved
	}
	r.UpdatedAt = now
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"status": r.Status}
	if err := s.Store.UpdateRelease(ctx, r, ev); err != nil {
		return nil, s.storeError(err)
	}
	return r, nil
}

func approvals(r *Release) int {
	n := 0
	for _, a := range r.Approvals {
		if a.Decision == "approve" {
			n++
		}
	}
	return n
}

// Close ends a release early; its keypairs are free for another release.
func (s *Service) Close(ctx context.Context, p policy.Principal, id string) (*Release, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t := target("Close", r)
	if err := s.mayEdit(ctx, p, r, "Close"); err != nil {
		return nil, err
	}
	if r.Status == StatusClosed || r.Status == StatusRejected {
		return nil, errs.Conflict("release_closed", "release %s is already %s", r.Name, r.Status)
	}
	r.Status, r.UpdatedAt = StatusClosed, s.now()
	if err := s.Store.UpdateRelease(ctx, r, s.Guard.Event(ctx, p, t, audit.Allowed, "")); err != nil {
		return nil, s.storeError(err)
	}
	return r, nil
}

// mayEdit lets the creator (with release.request) or a manager change a release.
func (s *Service) mayEdit(ctx context.Context, p policy.Principal, r *Release, action string) error {
	tt := target(action, r)
	if r.CreatedBy == p.UserID {
		return s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseRequest, Team: r.Team}, tt)
	}
	if p.Has(policy.ReleaseApprove) {
		return s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseApprove, Team: r.Team}, tt)
	}
	return s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseManage, Team: r.Team}, tt)
}

func (s *Service) storeError(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return errs.Conflict("keypair_in_live_release", "a keypair of this release is already in another live release")
	}
	return errs.Internal(err)
}
