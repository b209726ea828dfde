// Package journal commits signature-log and audit records with group commit:
// concurrent callers' records share one transaction (and so one fsync), and
// each caller returns only once its records are durable.
package journal

import (
	"context"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/siglog"
)

// Entry is what one request must make durable.
type Entry struct {
	Signature *siglog.Record // may be nil
	Events    []*audit.Event
}

// Writer writes a batch of entries in one transaction, assigning audit
// sequence numbers and chain hashes. Either all entries are durable when it
// returns nil, or none are.
type Writer interface {
	WriteBatch(ctx context.Context, batch []Entry) error
}
