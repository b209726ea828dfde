// Package guard applies policy decisions: it asks the pure policy.Authorize,
// and records every denial in the audit log before refusing.
package guard

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/request"
)

// Guard authorizes and audits.
type Guard struct {
	Journal *journal.Journal
	Now     func() time.Time
}

// Target names the resource of an action, for the audit record.
type Target struct {
	Type   string // Keypair, Token, User, AuditLog, ...
	Action string // audit action: Generate, Sign, Suspend, ...
	ID     string
	Name   string
}

// Check returns nil if p may perform req; otherwise it audits the denial
// and returns a 403 error naming what is missing. If the denial cannot be
// audited, the error says so (the request is refused either way).
func (g *Guard) Check(ctx context.Context, p policy.Principal, req policy.Request, t Target) error {
	_, err := g.Decide(ctx, p, req, t)
	return err
}

// Decide is Check that also returns the decision, for callers that need
// more than allow or deny (Decision.Counts).
func (g *Guard) Decide(ctx context.Context, p policy.Principal, req policy.Request, t Target) (policy.Decision, error) {
	return g.DecideAt(ctx, p, req, t, g.Now())
}

// DecideAt is Decide at the time now, for callers that record what they
// decided with that same time (a signature and whether it counts toward a
// release).
func (g *Guard) DecideAt(ctx context.Context, p policy.Principal, req policy.Request, t Target, now time.Time) (policy.Decision, error) {
	d := policy.Authorize(p, req, now)
	if d.Allow {
		return d, nil
	}
	return d, g.Deny(ctx, p, t, errs.New(http.StatusForbidden, d.Code, "%s", d.Reason))
}

// Deny audits a refusal decided outside policy (for example an exhausted
// budget found by the store) and returns err, or an audit_unavailable error
// if the refusal cannot be recorded.
func (g *Guard) Deny(ctx context.Context, p policy.Principal, t Target, err *errs.Error) error {
	ev := g.Event(ctx, p, t, audit.Denied, err.Message)
	if cerr := g.Journal.Commit(ctx, journal.Entry{Events: []*audit.Event{ev}}); cerr != nil {
		return errs.Wrap(cerr, http.StatusServiceUnavailable, "audit_unavailable", "request refused: the audit log cannot be written")
	}
	return err
}

// Event builds an audit event for p acting on t, stamped now.
func (g *Guard) Event(ctx context.Context, p policy.Principal, t Target, result, reason string) *audit.Event {
	return NewEvent(ctx, g.Now(), p, t, result, reason)
}

// NewEvent builds an audit event; the store links it into the chain.
func NewEvent(ctx context.Context, now time.Time, p policy.Principal, t Target, result, reason string) *audit.Event {
	m := request.MetaFrom(ctx)
	return &audit.Event{
		ID: uuid.Must(uuid.NewV7()).String(), Time: now.UTC().Truncate(time.Microsecond),
		ActorID: p.UserID, ActorName: p.Name,
		Type: t.Type, Action: t.Action, ResourceID: t.ID, ResourceName: t.Name,
		Result: result, Reason: reason, ClientIP: m.ClientIP,
	}
}
