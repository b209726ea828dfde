// Package release is the releases domain: signing windows with
// participants, a signature budget, and approvals for offline keypairs.
//
// # Statuses
//
// A release is stored as pending (an offline release awaiting approvals),
// approved, rejected or closed. What callers see, [Release.Effective], adds
// time: an approved release is not_started before its window, in_progress
// inside it, and completed after it or once closed; a pending release whose
// window ends unapproved has failed. [Service.Tick] audits the moves that
// time makes.
//
// # Concurrency
//
// Every change of a release but a budget reservation (a decision, an edit,
// a close) reads the release, decides, and writes it back only if nobody
// changed it in between: [Store.UpdateRelease] is conditional on
// [Release.Revision]. A change that lost the race is worked out again on
// the newer release, so no decision or edit is lost, and one that keeps
// losing is refused with release_conflict. Approvals are rows, one per
// approver.
package release

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/signet-project/signet/internal/audit"
)

// Types, categories and stored statuses.
const (
	TypeOnline  = "online"
	TypeOffline = "offline"
	TypeTest    = "test"

	CategoryStandard = "standard"
	CategoryGPG      = "gpg"

	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
	StatusClosed   = "closed"

	// Effective statuses that time adds.
	StatusNotStarted = "not_started"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusFailed     = "failed" // a pending release whose window ended unapproved
)

// Approval is one approver's decision.
type Approval struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	Decision string    `json:"decision"` // approve or reject
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// Release is a signing window.
type Release struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Version           string     `json:"version"`
	Category          string     `json:"category"`
	Team              string     `json:"team,omitempty"`
	Type              string     `json:"type"`
	Status            string     `json:"status"` // stored status; see Effective
	Keypairs          []string   `json:"keypairs"`
	Participants      []string   `json:"participants"`
	Start             time.Time  `json:"start"`
	End               time.Time  `json:"end"`
	MaxSignatures     int        `json:"max_signatures"`
	Used              int        `json:"used"`
	Note              string     `json:"note,omitempty"`
	ApprovalsRequired int        `json:"approvals_required"`
	Approvals         []Approval `json:"approvals"`
	CreatedBy         string     `json:"created_by"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	// Revision counts the changes made to the release (budget reservations
	// aside); see Store.UpdateRelease.
	Revision int64 `json:"revision"`
}

// Effective returns the status at now.
func (r *Release) Effective(now time.Time) string {
	switch r.Status {
	case StatusApproved:
		switch {
		case now.Before(r.Start):
			return StatusNotStarted
		case now.Before(r.End):
			return StatusInProgress
		}
		return StatusCompleted
	case StatusClosed:
		return StatusCompleted
	case StatusPending:
		if !now.Before(r.End) {
			return StatusFailed
		}
	}
	return r.Status
}

// Live reports whether the release still holds its keypairs at now: a
// keypair belongs to at most one live release.
func (r *Release) Live(now time.Time) bool {
	switch r.Effective(now) {
	case StatusPending, StatusNotStarted, StatusInProgress:
		return true
	}
	return false
}

// HasParticipant reports whether userID takes part.
func (r *Release) HasParticipant(userID string) bool { return slices.Contains(r.Participants, userID) }

// Filter selects releases to list.
type Filter struct {
	Status  string // stored status
	Keypair string // releases holding this keypair id
	After   string
	Limit   int
}

// Errors of Store.UpdateRelease.
var (
	// ErrStale: the release changed since it was read (its revision moved
	// on, or, for a smaller budget, more signatures were used): read it
	// again and retry.
	ErrStale = errors.New("release: changed since it was read")
	// ErrDecided: the approver has already decided on the release.
	ErrDecided = errors.New("release: the approver has already decided")
)

// Edit is what Store.UpdateRelease writes besides the release's fields.
type Edit struct {
	// Decision, if not nil, is one approver's decision to record.
	Decision *Approval
	// ClearApprovals deletes the release's approvals (an edit voided them);
	// the release's Approvals should then be empty.
	ClearApprovals bool
	// Events are appended to the audit log in the same transaction.
	Events []*audit.Event
}

// Store persists releases. Mutations commit their audit event in the same
// transaction.
type Store interface {
	// CreateRelease inserts r; store.ErrConflict if one of its keypairs is in
	// another live release (one whose end is after r.CreatedAt and that is
	// pending or approved).
	CreateRelease(ctx context.Context, r *Release, ev *audit.Event) error
	// GetRelease finds a release, with its approvals, by id;
	// store.ErrNotFound if none.
	GetRelease(ctx context.Context, id string) (*Release, error)
	// ListReleases returns releases with their approvals.
	ListReleases(ctx context.Context, f Filter) ([]*Release, error)
	// UpdateRelease writes every field of r but Used (which only the
	// reservation methods change) and Approvals, records e.Decision or
	// clears the approvals as e says, and appends e.Events, in one
	// transaction, only if the stored release is still at r.Revision and
	// has used no more than r.MaxSignatures; it then increments r.Revision.
	// ErrStale if the release changed since it was read; ErrDecided if
	// e.Decision's approver has decided already; store.ErrNotFound if there
	// is no such release; store.ErrConflict as for CreateRelease.
	UpdateRelease(ctx context.Context, r *Release, e Edit) error
	// LiveReleaseFor returns the pending or approved release holding the
	// keypair whose window has not ended at now, without its approvals
	// (signing needs none); store.ErrNotFound if none.
	LiveReleaseFor(ctx context.Context, keypairID string, now time.Time) (*Release, error)
	// Reserve atomically takes n signatures from the release's budget: one
	// conditional UPDATE, so that on any number of nodes the budget is never
	// exceeded. It reports false when fewer than n remain.
	Reserve(ctx context.Context, releaseID string, n int) (bool, error)
	// Refund gives back n reserved signatures that were not made.
	Refund(ctx context.Context, releaseID string, n int) error
}

// Phases records, per release, the last effective status written to the
// audit log, so that moves made by time are audited once, by one node.
type Phases interface {
	// PhasesOf returns the last recorded effective status of each release
	// in ids ("" at first); a release that does not exist is left out.
	PhasesOf(ctx context.Context, ids []string) (map[string]string, error)
	// AdvancePhase moves the phase from `from` to `to` and appends ev, in one
	// transaction, only if the phase is still `from`; it reports whether it did.
	AdvancePhase(ctx context.Context, releaseID, from, to string, ev *audit.Event) (bool, error)
}
