package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Release is a signing window as the API shows it.
type Release struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Version           string     `json:"version"`
	Category          string     `json:"category"` // standard, gpg
	Team              string     `json:"team,omitempty"`
	Type              string     `json:"type"`   // online, offline, test
	Status            string     `json:"status"` // stored: pending, approved, rejected, closed
	EffectiveStatus   string     `json:"effective_status"`
	Keypairs          []string   `json:"keypairs"`     // keypair ids
	Participants      []string   `json:"participants"` // user ids
	Start             time.Time  `json:"start"`
	End               time.Time  `json:"end"`
	MaxSignatures     int        `json:"max_signatures"`
	Used              int        `json:"used"`
	Remaining         int        `json:"remaining"`
	Note              string     `json:"note,omitempty"`
	ApprovalsRequired int        `json:"approvals_required"`
	Approvals         []Approval `json:"approvals"`
	CreatedBy         string     `json:"created_by"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	// Revision counts the release's changes (0 from a server that does not
	// say); a change that raced another is refused with release_conflict.
	Revision int64 `json:"revision,omitempty"`
}

// Approval is one approver's decision on a release.
type Approval struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	Decision string    `json:"decision"` // approve, reject
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// ReleaseCreate asks for a release; an offline one waits for approvals.
type ReleaseCreate struct {
	Name          string    `json:"name"`
	Version       string    `json:"version,omitempty"`
	Category      string    `json:"category,omitempty"`
	Team          string    `json:"team,omitempty"`
	Type          string    `json:"type"`
	Keypairs      []string  `json:"keypairs"`               // ids or aliases
	Participants  []string  `json:"participants,omitempty"` // user ids or names; default: the caller
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	MaxSignatures int       `json:"max_signatures"`
	Note          string    `json:"note,omitempty"`
}

// ReleaseUpdate changes a release; nil fields stay as they are.
type ReleaseUpdate struct {
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

// ReleaseFilter selects releases to list; zero fields match everything.
type ReleaseFilter struct {
	Status    string // stored status: pending, approved, rejected, closed
	KeypairID string // releases holding this keypair
}

// CreateRelease creates (online, test) or requests (offline) a release.
func (c *Client) CreateRelease(ctx context.Context, req ReleaseCreate) (Release, error) {
	var r Release
	err := c.do(ctx, http.MethodPost, "/api/v1/releases", nil, req, &r)
	return r, err
}

// ListReleases returns every release matching f, following the pages.
func (c *Client) ListReleases(ctx context.Context, f ReleaseFilter) ([]Release, error) {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.KeypairID != "" {
		q.Set("keypair", f.KeypairID)
	}
	q.Set("limit", strconv.Itoa(pageSize))
	all := []Release{}
	for range maxPages {
		var p struct {
			Releases []Release `json:"releases"`
			Next     string    `json:"next"`
		}
		if err := c.do(ctx, http.MethodGet, "/api/v1/releases", q, nil, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Releases...)
		if p.Next == "" || p.Next == q.Get("after") {
			return all, nil
		}
		q.Set("after", p.Next)
	}
	return nil, fmt.Errorf("signet: listing releases: more than %d pages", maxPages)
}

// GetRelease returns the release with this id.
func (c *Client) GetRelease(ctx context.Context, id string) (Release, error) {
	return c.releaseCall(ctx, http.MethodGet, id, "", nil)
}

// UpdateRelease changes a release; which fields may change depends on its
// status and on the caller.
func (c *Client) UpdateRelease(ctx context.Context, id string, u ReleaseUpdate) (Release, error) {
	return c.releaseCall(ctx, http.MethodPatch, id, "", u)
}

// ApproveRelease records the caller's approval of a pending release.
func (c *Client) ApproveRelease(ctx context.Context, id, comment string) (Release, error) {
	return c.releaseCall(ctx, http.MethodPost, id, "/approve", decision{Comment: comment})
}

// RejectRelease rejects a pending release; one rejection cancels it.
func (c *Client) RejectRelease(ctx context.Context, id, comment string) (Release, error) {
	return c.releaseCall(ctx, http.MethodPost, id, "/reject", decision{Comment: comment})
}

// CloseRelease ends a release early, freeing its keypairs.
func (c *Client) CloseRelease(ctx context.Context, id string) (Release, error) {
	return c.releaseCall(ctx, http.MethodPost, id, "/close", nil)
}

type decision struct {
	Comment string `json:"comment,omitempty"`
}

func (c *Client) releaseCall(ctx context.Context, method, id, suffix string, body any) (Release, error) {
	var r Release
	if id == "" {
		return r, errEmptyRelease
	}
	err := c.do(ctx, method, "/api/v1/releases/"+url.PathEscape(id)+suffix, nil, body, &r)
	return r, err
}
