package release

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/label"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Decide records an approval (approve=true) or a rejection of a pending
// release. The release is approved once it has the required approvals; one
// rejection rejects it. Requesters cannot decide on their own release.
// Concurrent decisions are all counted (see "Concurrency").
func (s *Service) Decide(ctx context.Context, p policy.Principal, id string, approve bool, comment string) (*Release, error) {
	action, decision := "Reject", "reject"
	if approve {
		action, decision = "Approve", "approve"
	}
	if !label.IsCleanText(comment, label.MaxText) {
		return nil, errs.BadRequest("invalid_comment", "comment must be UTF-8 text without control characters but newlines and tabs, at most %d bytes", label.MaxText)
	}
	return s.change(ctx, id, func(r *Release) (Edit, error) {
		t := target(action, r)
		facts := &policy.Release{ID: r.ID, Name: r.Name, OwnRequest: r.CreatedBy == p.UserID}
		if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseApprove, Team: r.Team, Release: facts}, t); err != nil {
			return Edit{}, err
		}
		now := s.now()
		switch {
		case r.Effective(now) != StatusPending:
			return Edit{}, errs.Conflict("release_not_pending", "release %s is %s, not waiting for approval", r.Name, r.Effective(now))
		}
		for _, a := range r.Approvals {
			if a.UserID == p.UserID {
				return Edit{}, errs.Conflict("already_decided", "you already decided on release %s", r.Name)
			}
		}
		a := Approval{UserID: p.UserID, UserName: p.Name, Decision: decision, Comment: comment, At: now}
		r.Approvals = append(r.Approvals, a)
		if !approve {
			r.Status = StatusRejected
		} else if approvals(r) >= r.ApprovalsRequired {
			r.Status = StatusApproved
		}
		r.UpdatedAt = now
		ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
		ev.Details = map[string]string{"status": r.Status}
		return Edit{Decision: &a, Events: []*audit.Event{ev}}, nil
	})
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
	return s.change(ctx, id, func(r *Release) (Edit, error) {
		if _, err := s.mayEdit(ctx, p, r, "Close"); err != nil {
			return Edit{}, err
		}
		now := s.now()
		switch st := r.Effective(now); st {
		case StatusCompleted, StatusRejected, StatusFailed:
			return Edit{}, errs.Conflict("release_closed", "release %s is already %s", r.Name, st)
		}
		r.Status, r.UpdatedAt = StatusClosed, now
		return Edit{Events: []*audit.Event{s.Guard.Event(ctx, p, target("Close", r), audit.Allowed, "")}}, nil
	})
}

// maxAttempts bounds how often a change that lost a race is worked out
// again before it is refused with release_conflict.
const maxAttempts = 10

// change reads the release, lets apply change it and say what else to
// write, and writes it if nobody changed the release in between; if
// somebody did, it starts again from a fresh read, so that apply's checks
// and decisions always see the latest release. Errors from apply are
// returned as they are.
func (s *Service) change(ctx context.Context, id string, apply func(r *Release) (Edit, error)) (*Release, error) {
	for attempt := 1; ; attempt++ {
		r, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		e, err := apply(r)
		if err != nil {
			return nil, err
		}
		err = s.Store.UpdateRelease(ctx, r, e)
		switch {
		case err == nil:
			return r, nil
		case errors.Is(err, ErrDecided):
			return nil, errs.Conflict("already_decided", "you already decided on release %s", r.Name)
		case !errors.Is(err, ErrStale):
			return nil, s.storeError(err)
		case attempt == maxAttempts:
			return nil, errs.Conflict("release_conflict", "release %s kept changing while this change was being made: read it again and retry", r.Name)
		}
		// Let the winners finish before reading again.
		select {
		case <-ctx.Done():
			return nil, errs.Wrap(ctx.Err(), StatusClientClosed, "client_closed_request", "the request ended before release %s could be changed", r.Name)
		case <-time.After(time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))):
		}
	}
}

// StatusClientClosed is the status (nginx's 499) of a request whose client
// went away.
const StatusClientClosed = 499

// editor is who may change a release, by how much.
type editor int

const (
	// editorOther may edit the release (release.manage) but is neither its
	// creator nor an approver: while it is in progress, only labels.
	editorOther editor = iota
	// editorFull is the creator or an approver.
	editorFull
)

// mayEdit lets the creator (with release.request), an approver of its team
// or a manager (release.manage) change a release, and tells which of them p
// is; anyone else is refused for want of release.manage.
func (s *Service) mayEdit(ctx context.Context, p policy.Principal, r *Release, action string) (editor, error) {
	tt := target(action, r)
	if r.CreatedBy == p.UserID {
		return editorFull, s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseRequest, Team: r.Team}, tt)
	}
	if p.Has(policy.ReleaseApprove) {
		return editorFull, s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseApprove, Team: r.Team}, tt)
	}
	return editorOther, s.Guard.Check(ctx, p, policy.Request{Action: policy.ReleaseManage, Team: r.Team}, tt)
}

func (s *Service) storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return errs.Conflict("keypair_in_live_release", "a keypair of this release is already in another live release")
	case errors.Is(err, store.ErrNotFound):
		return errs.NotFound("release_not_found", "the release no longer exists")
	}
	return errs.Internal(err)
}
