// Package siglog is the signature log: one record per signing request.
package siglog

import (
	"context"
	"time"
)

// Statuses.
const (
	StatusSigned = "signed"
	StatusDenied = "denied"
	StatusFailed = "failed"
)

// Record is one signing request and its outcome.
type Record struct {
	ID           string    `json:"id"`
	Seq          int64     `json:"seq"` // commit order, from 1, set by the store: the order the log is listed and paged in
	Time         time.Time `json:"time"`
	Status       string    `json:"status"`
	ErrorCode    string    `json:"error_code,omitempty"`
	UserID       string    `json:"user_id"`
	UserName     string    `json:"user_name"`
	KeypairID    string    `json:"keypair_id"`
	KeypairAlias string    `json:"keypair_alias"`
	Generation   int       `json:"generation"`
	KeyType      string    `json:"key_type"`  // static, dynamic
	Algorithm    string    `json:"algorithm"` // sig_alg, e.g. SHA256withECDSA
	Category     string    `json:"category"`  // production, test
	DigestAlg    string    `json:"digest_alg"`
	Digest       []byte    `json:"digest"`
	Signature    []byte    `json:"signature,omitempty"`
	ReleaseID    string    `json:"release_id,omitempty"`
	ClientIP     string    `json:"client_ip,omitempty"`
	Tool         string    `json:"tool,omitempty"`
	FileName     string    `json:"file_name,omitempty"`
	FileSize     int64     `json:"file_size,omitempty"`
	TimestampURL string    `json:"timestamp_url,omitempty"`
}

// Filter selects signature records. Zero fields match everything.
type Filter struct {
	From, To  time.Time
	UserID    string
	KeypairID string
	Status    string
	ReleaseID string
	AfterSeq  int64  // cursor: records committed after the one with this seq
	After     string // cursor, when AfterSeq is 0: records committed after the one with this id
	Limit     int
}

// Store reads the signature log; records are written through the journal.
type Store interface {
	ListSignatures(ctx context.Context, f Filter) ([]*Record, error)
}
