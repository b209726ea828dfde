// Package audit is the append-only, hash-chained audit log.
//
// Every record carries the hash of the record before it; [Verify] walks the
// whole log and names the first record whose content, link or sequence does
// not match, so an edit, a deletion or a gap is detected.
package audit

import (
	"context"
	"time"
)

// Results.
const (
	Allowed = "allowed"
	Denied  = "denied"
	Failed  = "failed"
)

// Event is one audit record.
type Event struct {
	Seq          int64             `json:"seq"` // 1, 2, 3... assigned by the store
	ID           string            `json:"id"`
	Time         time.Time         `json:"time"`
	ActorID      string            `json:"actor_id"`
	ActorName    string            `json:"actor_name"`
	Type         string            `json:"type"`   // resource type: Keypair, Token, User, Dynamic, ...
	Action       string            `json:"action"` // Generate, Sign, Suspend, ...
	ResourceID   string            `json:"resource_id"`
	ResourceName string            `json:"resource_name"`
	Result       string            `json:"result"` // allowed, denied, failed
	Reason       string            `json:"reason,omitempty"`
	ClientIP     string            `json:"client_ip,omitempty"`
	Details      map[string]string `json:"details,omitempty"`
	PrevHash     []byte            `json:"prev_hash"`
	Hash         []byte            `json:"hash"`
}

// Filter selects audit events. Zero fields match everything.
type Filter struct {
	From, To   time.Time
	ActorID    string
	Action     string
	Type       string
	ResourceID string
	Result     string
	AfterSeq   int64 // cursor
	Limit      int
}

// Store reads the audit log. Appending happens inside the transactions of the
// other stores (and of the journal), through the implementation's own code
// that calls [Link] under the chain lock.
type Store interface {
	ListAudit(ctx context.Context, f Filter) ([]*Event, error)
	// WalkAudit calls fn for every event in sequence order.
	WalkAudit(ctx context.Context, fn func(*Event) error) error
}
