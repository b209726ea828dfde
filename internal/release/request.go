package release

import (
	"slices"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/label"
)

// CreateRequest is the body of a release creation.
type CreateRequest struct {
	Name          string    `json:"name"`
	Version       string    `json:"version,omitempty"`
	Category      string    `json:"category,omitempty"` // standard (default) or gpg
	Team          string    `json:"team,omitempty"`
	Type          string    `json:"type"`         // online, offline or test
	Keypairs      []string  `json:"keypairs"`     // ids or aliases
	Participants  []string  `json:"participants"` // user ids or names; default: the creator
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	MaxSignatures int       `json:"max_signatures"`
	Note          string    `json:"note,omitempty"`
}

// UpdateRequest changes a release; absent fields stay as they are. Which
// fields may change depends on the release's status and on who asks.
type UpdateRequest struct {
	Name          *string    `json:"name,omitempty"`
	Version       *string    `json:"version,omitempty"`
	Note          *string    `json:"note,omitempty"`
	Team          *string    `json:"team,omitempty"`
	Keypairs      []string   `json:"keypairs,omitempty"`
	Participants  []string   `json:"participants,omitempty"`
	Start         *time.Time `json:"start,omitempty"`
	End           *time.Time `json:"end,omitempty"`
	MaxSignatures *int       `json:"max_signatures,omitempty"`
}

// MaxWindow is the longest release window.
const MaxWindow = 366 * 24 * time.Hour

// Bounds of a release's text.
const (
	MaxName    = 200
	MaxVersion = 200
)

func (r *CreateRequest) normalize() error {
	r.Name = strings.TrimSpace(r.Name)
	if err := checkName(r.Name); err != nil {
		return err
	}
	if err := checkText(r.Version, r.Note); err != nil {
		return err
	}
	if err := checkRefs("team", []string{r.Team}); err != nil {
		return err
	}
	if r.Category == "" {
		r.Category = CategoryStandard
	}
	if !slices.Contains([]string{CategoryStandard, CategoryGPG}, r.Category) {
		return errs.BadRequest("invalid_category", "category must be standard or gpg, got %q", r.Category)
	}
	if !slices.Contains([]string{TypeOnline, TypeOffline, TypeTest}, r.Type) {
		return errs.BadRequest("invalid_type", "type must be online, offline or test, got %q", r.Type)
	}
	if len(r.Keypairs) == 0 {
		return errs.BadRequest("invalid_keypairs", "a release needs at least one keypair")
	}
	return checkWindow(r.Start, r.End, r.MaxSignatures)
}

func checkWindow(start, end time.Time, max int) error {
	switch {
	case start.IsZero() || end.IsZero():
		return errs.BadRequest("invalid_window", "start and end are required (RFC 3339 times)")
	case !end.After(start):
		return errs.BadRequest("invalid_window", "end (%s) must be after start (%s)", end.Format(time.RFC3339), start.Format(time.RFC3339))
	case end.Sub(start) > MaxWindow:
		return errs.BadRequest("invalid_window", "a release window lasts at most 366 days")
	case max < 1 || max > 10_000_000:
		return errs.BadRequest("invalid_max_signatures", "max_signatures must be from 1 to 10000000, got %d", max)
	}
	return nil
}

// checkName refuses a name that is empty, too long or not plain text.
func checkName(name string) error {
	if name == "" || !label.IsClean(name, MaxName) {
		return errs.BadRequest("invalid_name", "a release needs a name of 1 to %d bytes of UTF-8 text without control characters", MaxName)
	}
	return nil
}

// checkText refuses a version or note that is not plain text: bytes that
// are not UTF-8, or control characters (a note may span lines). A store
// may refuse them (PostgreSQL refuses NUL in text) or keep them, and a
// terminal or an export would show them.
func checkText(version, note string) error {
	if !label.IsClean(version, MaxVersion) {
		return errs.BadRequest("invalid_version", "version must be UTF-8 text without control characters, at most %d bytes", MaxVersion)
	}
	if !label.IsCleanText(note, label.MaxText) {
		return errs.BadRequest("invalid_note", "note must be UTF-8 text without control characters but newlines and tabs, at most %d bytes", label.MaxText)
	}
	return nil
}

// checkRefs refuses a keypair or participant reference that no id, alias
// or name can be, before it is looked up.
func checkRefs(field string, refs []string) error {
	for _, ref := range refs {
		if !label.IsClean(ref, label.MaxRef) {
			return errs.BadRequest("invalid_"+field, "%s are ids or names: UTF-8 text without control characters, at most %d bytes", field, label.MaxRef)
		}
	}
	return nil
}
