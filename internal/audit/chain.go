package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Genesis is the PrevHash of the first record.
var Genesis = make([]byte, sha256.Size)

// Link sets e's sequence number and chain hashes to follow prev (nil for the
// first record). Stores call it under their chain lock.
func Link(prev *Event, e *Event) {
	if prev == nil {
		e.Seq, e.PrevHash = 1, Genesis
	} else {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = e.Sum()
}

// Sum computes the record's hash: SHA-256 over a length-prefixed encoding of
// every field but Hash itself. Times are hashed as UTC microseconds, the
// precision every store keeps.
func (e *Event) Sum() []byte {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	str := func(s string) { field([]byte(s)) }
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	field(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.Time.UnixMicro()))
	field(n[:])
	for _, s := range []string{e.ID, e.ActorID, e.ActorName, e.Type, e.Action,
		e.ResourceID, e.ResourceName, e.Result, e.Reason, e.ClientIP} {
		str(s)
	}
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	binary.BigEndian.PutUint64(n[:], uint64(len(keys)))
	field(n[:])
	for _, k := range keys {
		str(k)
		str(e.Details[k])
	}
	field(e.PrevHash)
	return h.Sum(nil)
}

// Report is the result of a verification.
type Report struct {
	Records int64 // records checked
	Head    []byte
}

// BrokenError names the first record that does not verify.
type BrokenError struct {
	Seq    int64
	ID     string
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit chain broken at record seq=%d id=%s: %s", e.Seq, e.ID, e.Reason)
}

// HeadStore is implemented by stores that keep the chain head (the last
// record's seq and hash) apart from the records, so that Verify can tell a
// log whose last records were removed.
type HeadStore interface {
	AuditHead(ctx context.Context) (seq int64, hash []byte, err error)
}

// Verify walks the whole log and checks sequence, links and hashes, and,
// when s is a [HeadStore], that the log reaches the recorded head. It
// returns a *BrokenError for the first bad record.
func Verify(ctx context.Context, s Store) (Report, error) {
	var rep Report
	var prev *Event
	// Read the head first: records appended during the walk only extend it.
	var headSeq int64
	var headHash []byte
	if hs, ok := s.(HeadStore); ok {
		var err error
		if headSeq, headHash, err = hs.AuditHead(ctx); err != nil {
			return rep, fmt.Errorf("audit: reading the chain head: %w", err)
		}
	}
	err := s.WalkAudit(ctx, func(e *Event) error {
		want := int64(1)
		wantPrev := Genesis
		if prev != nil {
			want, wantPrev = prev.Seq+1, prev.Hash
		}
		switch {
		case e.Seq != want:
			return &BrokenError{Seq: e.Seq, ID: e.ID, Reason: fmt.Sprintf("expected seq %d: a record is missing", want)}
		case !bytes.Equal(e.PrevHash, wantPrev):
			return &BrokenError{Seq: e.Seq, ID: e.ID, Reason: "prev_hash does not match the record before it"}
		case !bytes.Equal(e.Hash, e.Sum()):
			return &BrokenError{Seq: e.Seq, ID: e.ID, Reason: "content does not match its hash (record edited)"}
		case e.Seq == headSeq && !bytes.Equal(e.Hash, headHash):
			return &BrokenError{Seq: e.Seq, ID: e.ID, Reason: "hash differs from the chain head's"}
		}
		rep.Records++
		prev = e
		return nil
	})
	if prev != nil {
		rep.Head = prev.Hash
	}
	if err == nil && rep.Records < headSeq {
		err = &BrokenError{Seq: rep.Records + 1, Reason: fmt.Sprintf(
			"the chain head is at seq %d but the log ends at seq %d: records were removed from the end", headSeq, rep.Records)}
	}
	var be *BrokenError
	if err != nil && !errors.As(err, &be) {
		return rep, fmt.Errorf("audit: walking the log: %w", err)
	}
	return rep, err
}
