package release

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

// Update changes a release. What may change depends on its status (the seed
// rules of DESIGN.md): a completed (or closed), failed or rejected release
// takes only name, version and note; one in progress takes every field
// from approvers and its creator, and only name, version and note from
// others; one not started (or pending) takes every field.
//
// Changing anything but name, version and note of an offline release that
// has approvals (approved, or pending with some) voids them: the release
// goes back to pending with its approvals cleared, audited as
// ClearApprovals, and approvers are asked again.
func (s *Service) Update(ctx context.Context, p policy.Principal, id string, u UpdateRequest) (*Release, error) {
	reRequested := false
	r, err := s.change(ctx, id, func(r *Release) (Edit, error) {
		reRequested = false
		who, err := s.mayEdit(ctx, p, r, "Update")
		if err != nil {
			return Edit{}, err
		}
		now := s.now()
		st := r.Effective(now)
		before := *r
		if err := s.apply(ctx, p, r, u); err != nil {
			return Edit{}, err
		}
		if r.Team != before.Team {
			// Moving a release into a team takes the same right there.
			if _, err := s.mayEdit(ctx, p, r, "Update"); err != nil {
				return Edit{}, err
			}
		}
		changed := changedFields(&before, r)
		if substantive(changed) {
			switch {
			case st == StatusCompleted || st == StatusFailed || st == StatusRejected:
				return Edit{}, errs.Conflict("release_fields_locked", "release %s is %s: only name, version and note can change (not %s)",
					r.Name, st, strings.Join(changed, ", "))
			case st == StatusInProgress && who != editorFull:
				return Edit{}, errs.Forbidden("release_fields_locked", "release %s is in progress: only its creator and approvers change more than name, version and note (not %s)",
					r.Name, strings.Join(changed, ", "))
			}
		}
		r.UpdatedAt = now
		ev := s.Guard.Event(ctx, p, target("Update", r), audit.Allowed, "")
		ev.Details = map[string]string{"changed": strings.Join(changed, ",")}
		e := Edit{Events: []*audit.Event{ev}}
		if substantive(changed) && r.Type == TypeOffline && (r.Status == StatusApproved || len(r.Approvals) > 0) {
			if err := s.reRequest(ctx, p, r, before.Status, &e); err != nil {
				return Edit{}, err
			}
			reRequested = true
		}
		return e, nil
	})
	if err == nil && reRequested && s.Notify != nil {
		_ = s.Notify.ApprovalRequested(ctx, r) // best effort; the request stands
	}
	return r, err
}

// apply sets the fields u carries on r and checks the result.
func (s *Service) apply(ctx context.Context, p policy.Principal, r *Release, u UpdateRequest) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if u.Name != nil {
		if err := checkName(strings.TrimSpace(*u.Name)); err != nil {
			return err
		}
	}
	set(&r.Name, u.Name)
	r.Name = strings.TrimSpace(r.Name)
	// Only what the request sends is checked: text stored before the
	// check (a note with CRLF line ends) does not block other edits.
	var version, note string
	set(&version, u.Version)
	set(&note, u.Note)
	if err := checkText(version, note); err != nil {
		return err
	}
	set(&r.Version, u.Version)
	set(&r.Note, u.Note)
	set(&r.Team, u.Team)
	if err := checkRefs("team", []string{r.Team}); err != nil {
		return err
	}
	if u.Start != nil {
		r.Start = u.Start.UTC().Truncate(time.Microsecond)
	}
	if u.End != nil {
		r.End = u.End.UTC().Truncate(time.Microsecond)
	}
	if u.MaxSignatures != nil {
		if *u.MaxSignatures < r.Used {
			return errs.BadRequest("invalid_max_signatures", "release %s has used %d signatures already", r.Name, r.Used)
		}
		r.MaxSignatures = *u.MaxSignatures
	}
	if err := checkWindow(r.Start, r.End, r.MaxSignatures); err != nil {
		return err
	}
	var err error
	if u.Keypairs != nil {
		if r.Keypairs, err = s.keypairs(ctx, p, r, target("Update", r), u.Keypairs); err != nil {
			return err
		}
	}
	if u.Participants != nil {
		if len(u.Participants) == 0 {
			return errs.BadRequest("invalid_participants", "a release needs at least one participant")
		}
		if r.Participants, err = s.users(ctx, u.Participants); err != nil {
			return err
		}
	}
	return nil
}

// reRequest sends an offline release whose approved content changed back
// to pending, clears its approvals and audits it.
func (s *Service) reRequest(ctx context.Context, p policy.Principal, r *Release, was string, e *Edit) error {
	n, err := s.approvals(ctx)
	if err != nil {
		return err
	}
	var cleared []string
	for _, a := range r.Approvals {
		cleared = append(cleared, a.UserName+":"+a.Decision)
	}
	r.Status, r.ApprovalsRequired, r.Approvals = StatusPending, n, []Approval{}
	ev := s.Guard.Event(ctx, p, target("ClearApprovals", r), audit.Allowed, "")
	ev.Details = map[string]string{"from": was, "status": StatusPending, "cleared": strings.Join(cleared, ","),
		"reason": "an approved field changed: the release needs approval again"}
	e.ClearApprovals = true
	e.Events = append(e.Events, ev)
	return nil
}

// changedFields names the fields that differ between a and b.
func changedFields(a, b *Release) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("version", a.Version != b.Version)
	add("note", a.Note != b.Note)
	add("team", a.Team != b.Team)
	add("keypairs", !sameSet(a.Keypairs, b.Keypairs))
	add("participants", !sameSet(a.Participants, b.Participants))
	add("start", !a.Start.Equal(b.Start))
	add("end", !a.End.Equal(b.End))
	add("max_signatures", a.MaxSignatures != b.MaxSignatures)
	return out
}

// substantive reports whether changed holds more than labels (name,
// version, note).
func substantive(changed []string) bool {
	for _, f := range changed {
		if f != "name" && f != "version" && f != "note" {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
