package api

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/request"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store"
)

type signatureList struct {
	Records []*siglog.Record `json:"records"`
	Next    string           `json:"next"`
}

type auditList struct {
	Events []*audit.Event `json:"events"`
	Next   string         `json:"next"`
}

// logAccess checks audit.view for a page, or audit.export for a download
// (?format=csv or ?format=json), and returns the export format ("" for a page).
func (a *API) logAccess(r *http.Request, p policy.Principal, log string) (format string, err error) {
	format = r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return "", errs.BadRequest("invalid_format", "format must be json or csv, got %q", format)
	}
	act, action := policy.AuditView, "View"
	if format != "" {
		act, action = policy.AuditExport, "Export"
	}
	t := guard.Target{Type: log, Action: action}
	return format, a.Guard.Check(r.Context(), p, policy.Request{Action: act}, t)
}

func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errs.BadRequest("invalid_"+name, "%s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", name, s)
	}
	return t, nil
}

func timeRange(q url.Values) (from, to time.Time, err error) {
	if from, err = timeParam(q, "from"); err != nil {
		return
	}
	if to, err = timeParam(q, "to"); err == nil && !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = errs.BadRequest("invalid_range", "to (%s) is before from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	return
}

func (a *API) listSignatures(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	format, err := a.logAccess(r, p, "SignatureLog")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := limitParam(q)
	if err != nil {
		return err
	}
	from, to, err := timeRange(q)
	if err != nil {
		return err
	}
	if err := errors.Join(idParams(q, "release"),
		oneOf(q, "status", siglog.StatusSigned, siglog.StatusDenied, siglog.StatusFailed)); err != nil {
		return err
	}
	afterSeq, afterID, err := signatureCursor(q.Get("after"))
	if err != nil {
		return err
	}
	if afterID != "" { // an id naming no record would read as the end of the log
		if _, err := a.Logs.ListSignatures(r.Context(), siglog.Filter{After: afterID, Limit: 1}); errors.Is(err, store.ErrNotFound) {
			return errs.BadRequest("invalid_after", "after names no signature record: %s; pass the \"next\" value of the previous page", afterID)
		} else if err != nil {
			return errs.Internal(err)
		}
	}
	user, err := a.userID(r.Context(), "user", q.Get("user"))
	if err != nil {
		return err
	}
	kpID, err := a.keypairID(r.Context(), q.Get("keypair"))
	if err != nil {
		return err
	}
	f := siglog.Filter{From: from, To: to, UserID: user, KeypairID: kpID,
		Status: q.Get("status"), ReleaseID: q.Get("release"), AfterSeq: afterSeq, After: afterID, Limit: limit}
	if format != "" {
		return exportLog(w, "signatures", format, signatureHeader, signatureRow, func(after string) ([]*siglog.Record, string, error) {
			f.AfterSeq, f.After, f.Limit = 0, "", exportPage
			if after != "" {
				f.AfterSeq, f.After, _ = signatureCursor(after)
			}
			recs, err := a.Logs.ListSignatures(r.Context(), f)
			if len(recs) == 0 {
				return nil, "", err
			}
			return recs, strconv.FormatInt(recs[len(recs)-1].Seq, 10), err
		}, q.Get("after"), a.exportFailed(r))
	}
	recs, err := a.Logs.ListSignatures(r.Context(), f)
	if err != nil {
		return errs.Internal(err)
	}
	out := signatureList{Records: recs}
	if out.Records == nil {
		out.Records = []*siglog.Record{}
	}
	if len(recs) == limit {
		out.Next = strconv.FormatInt(recs[len(recs)-1].Seq, 10)
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

// signatureCursor reads the "after" of a signature-log page: the seq of
// the last record read (the "next" of the previous page), or the id of a
// record, the cursor before records had a seq; either continues after that
// record in commit order.
func signatureCursor(s string) (seq int64, id string, err error) {
	if s == "" {
		return 0, "", nil
	}
	if n, perr := strconv.ParseInt(s, 10, 64); perr == nil && n >= 0 {
		return n, "", nil
	}
	if u, perr := uuid.Parse(s); perr == nil {
		return 0, u.String(), nil // the stored form: lower case, no braces
	}
	return 0, "", errs.BadRequest("invalid_after", "after must be the \"next\" value of the previous page, got %q", s)
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	format, err := a.logAccess(r, p, "AuditLog")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := limitParam(q)
	if err != nil {
		return err
	}
	from, to, err := timeRange(q)
	if err != nil {
		return err
	}
	var after int64
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			return errs.BadRequest("invalid_after", "after must be an audit sequence number, got %q", s)
		}
	}
	if err := oneOf(q, "result", audit.Allowed, audit.Denied, audit.Failed); err != nil {
		return err
	}
	actor, err := a.userID(r.Context(), "actor", q.Get("actor"))
	if err != nil {
		return err
	}
	f := audit.Filter{From: from, To: to, ActorID: actor, Action: q.Get("action"), Type: q.Get("type"),
		ResourceID: q.Get("resource"), Result: q.Get("result"), AfterSeq: after, Limit: limit}
	if format != "" {
		return exportLog(w, "audit", format, auditHeader, auditRow, func(after string) ([]*audit.Event, string, error) {
			f.AfterSeq, f.Limit = 0, exportPage
			if after != "" {
				f.AfterSeq, _ = strconv.ParseInt(after, 10, 64)
			}
			evs, err := a.Logs.ListAudit(r.Context(), f)
			if len(evs) == 0 {
				return nil, "", err
			}
			return evs, strconv.FormatInt(evs[len(evs)-1].Seq, 10), err
		}, q.Get("after"), a.exportFailed(r))
	}
	evs, err := a.Logs.ListAudit(r.Context(), f)
	if err != nil {
		return errs.Internal(err)
	}
	out := auditList{Events: evs}
	if out.Events == nil {
		out.Events = []*audit.Event{}
	}
	if len(evs) == limit {
		out.Next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

var signatureHeader = []string{"id", "time", "status", "error_code", "user_id", "user_name", "keypair_id", "keypair_alias",
	"generation", "key_type", "algorithm", "category", "digest_alg", "digest", "signature", "release_id",
	"client_ip", "tool", "file_name", "file_size", "timestamp_url", "seq"}

func signatureRow(s *siglog.Record) []string {
	b64 := base64.StdEncoding.EncodeToString
	return []string{s.ID, s.Time.UTC().Format(time.RFC3339Nano), s.Status, s.ErrorCode, s.UserID, s.UserName,
		s.KeypairID, s.KeypairAlias, strconv.Itoa(s.Generation), s.KeyType, s.Algorithm, s.Category, s.DigestAlg,
		b64(s.Digest), b64(s.Signature), s.ReleaseID, s.ClientIP, csvSafe(s.Tool), csvSafe(s.FileName),
		strconv.FormatInt(s.FileSize, 10), s.TimestampURL, strconv.FormatInt(s.Seq, 10)}
}

var auditHeader = []string{"seq", "id", "time", "actor_id", "actor_name", "type", "action", "resource_id",
	"resource_name", "result", "reason", "client_ip", "details", "prev_hash", "hash"}

func auditRow(e *audit.Event) []string {
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var d []string
	for _, k := range keys {
		d = append(d, k+"="+e.Details[k])
	}
	b64 := base64.StdEncoding.EncodeToString
	return []string{strconv.FormatInt(e.Seq, 10), e.ID, e.Time.UTC().Format(time.RFC3339Nano), e.ActorID,
		csvSafe(e.ActorName), e.Type, e.Action, e.ResourceID, csvSafe(e.ResourceName), e.Result, csvSafe(e.Reason),
		e.ClientIP, csvSafe(strings.Join(d, ";")), b64(e.PrevHash), b64(e.Hash)}
}

// csvSafe defuses spreadsheet formula injection in client-supplied text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportPage is the page size an export reads the store with.
const exportPage = 1000

// exportLog streams every matching record as CSV or as one JSON array,
// reading the store a page at a time. A store error after the first byte
// can only cut the download short (a JSON export then lacks its closing
// bracket); it is logged through fail.
func exportLog[T any](w http.ResponseWriter, name, format string, header []string, row func(T) []string,
	page func(after string) ([]T, string, error), after string, fail func(error)) error {
	first, next, err := page(after)
	if err != nil {
		return errs.Internal(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		for recs := first; len(recs) > 0; {
			for _, rec := range recs {
				_ = cw.Write(row(rec))
			}
			if len(recs) < exportPage {
				break
			}
			if recs, next, err = page(next); err != nil {
				fail(err) // headers are sent: cut short
				return nil
			}
		}
		cw.Flush()
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
	enc := json.NewEncoder(w)
	_, _ = w.Write([]byte("["))
	n := 0
	for recs := first; len(recs) > 0; {
		for _, rec := range recs {
			if n > 0 {
				_, _ = w.Write([]byte(","))
			}
			_ = enc.Encode(rec)
			n++
		}
		if len(recs) < exportPage {
			break
		}
		if recs, next, err = page(next); err != nil {
			fail(err)
			return nil
		}
	}
	_, _ = w.Write([]byte("]\n"))
	return nil
}

func (a *API) exportFailed(r *http.Request) func(error) {
	return func(err error) {
		a.log.Error("log export cut short", "request_id", request.MetaFrom(r.Context()).ID, "path", r.URL.Path, "err", err)
	}
}
