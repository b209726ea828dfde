package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/label"
)

// pathParams lists the names of a route pattern's wildcards.
func pathParams(pattern string) []string {
	var out []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return out
}

// checkText refuses a path value (an id, alias or name) or a query value
// that is not plain text: bytes that are not UTF-8, or control characters.
// No id, alias or name holds them, a store may refuse them (PostgreSQL
// refuses NUL in text) or keep them (SQLite), and a log or terminal would
// show them: 400 invalid_<name>, before anything is looked up or recorded.
func checkText(r *http.Request, params []string) error {
	for _, name := range params {
		if v := r.PathValue(name); !label.IsClean(v, label.MaxRef) {
			return errs.BadRequest("invalid_"+name, "%s must be UTF-8 text without control characters, at most %d bytes", name, label.MaxRef)
		}
	}
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range q[k] {
			if !label.IsClean(v, label.MaxRef) {
				return errs.BadRequest("invalid_"+k, "query parameter %s must be UTF-8 text without control characters, at most %d bytes", k, label.MaxRef)
			}
		}
	}
	return nil
}
