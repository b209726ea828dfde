package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SignatureRecord is one row of the signature log.
type SignatureRecord struct {
	ID           string    `json:"id"`
	Time         time.Time `json:"time"`
	Status       string    `json:"status"`
	ErrorCode    string    `json:"error_code,omitempty"`
	UserID       string    `json:"user_id"`
	UserName     string    `json:"user_name"`
	KeypairID    string    `json:"keypair_id"`
	KeypairAlias string    `json:"keypair_alias"`
	Generation   int       `json:"generation"`
	KeyType      string    `json:"key_type"`
	Algorithm    string    `json:"algorithm"`
	Category     string    `json:"category"`
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

// AuditEvent is one record of the hash-chained audit log.
type AuditEvent struct {
	Seq          int64             `json:"seq"`
	ID           string            `json:"id"`
	Time         time.Time         `json:"time"`
	ActorID      string            `json:"actor_id"`
	ActorName    string            `json:"actor_name"`
	Type         string            `json:"type"`
	Action       string            `json:"action"`
	ResourceID   string            `json:"resource_id"`
	ResourceName string            `json:"resource_name"`
	Result       string            `json:"result"`
	Reason       string            `json:"reason,omitempty"`
	ClientIP     string            `json:"client_ip,omitempty"`
	Details      map[string]string `json:"details,omitempty"`
	PrevHash     []byte            `json:"prev_hash"`
	Hash         []byte            `json:"hash"`
}

// LogFilter selects log records. Query holds the server's filter
// parameters by name (signatures: user, keypair, status, release; audit:
// actor, action, type, resource, result); empty values are left out.
type LogFilter struct {
	From, To time.Time
	Query    map[string]string
}

func (f LogFilter) values() url.Values {
	q := url.Values{}
	for k, v := range f.Query {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// Log paths by kind.
const (
	SignatureLog = "signatures"
	AuditLog     = "audit"
)

// ListSignatures returns one page of at most limit (1..1000) records after
// the cursor, and the cursor of the next page ("" at the end).
func (c *Client) ListSignatures(ctx context.Context, f LogFilter, after string, limit int) ([]SignatureRecord, string, error) {
	var p struct {
		Records []SignatureRecord `json:"records"`
		Next    string            `json:"next"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/logs/signatures", pageQuery(f, after, limit), nil, &p)
	return p.Records, p.Next, err
}

// ListAudit returns one page of at most limit (1..1000) audit events after
// the cursor, and the cursor of the next page ("" at the end).
func (c *Client) ListAudit(ctx context.Context, f LogFilter, after string, limit int) ([]AuditEvent, string, error) {
	var p struct {
		Events []AuditEvent `json:"events"`
		Next   string       `json:"next"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/logs/audit", pageQuery(f, after, limit), nil, &p)
	return p.Events, p.Next, err
}

func pageQuery(f LogFilter, after string, limit int) url.Values {
	q := f.values()
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// ExportLog streams every record of a log (SignatureLog or AuditLog) as
// format "csv" or "json" into w, without holding it in memory and without
// the client's per-request timeout (ctx bounds it). It returns the bytes
// written.
func (c *Client) ExportLog(ctx context.Context, kind, format string, f LogFilter, w io.Writer) (int64, error) {
	if kind != SignatureLog && kind != AuditLog {
		return 0, fmt.Errorf("signet: unknown log %q", kind)
	}
	q := f.values()
	q.Set("format", format)
	path := "/api/v1/logs/" + kind
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.base.String(), "/")+path+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", c.ua)
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	hc := *c.hc
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("signet: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return 0, decodeError(resp.StatusCode, data)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("signet: GET %s: %w", path, err)
	}
	return n, nil
}
