package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/errs"
)

// checkQuery refuses a query parameter the route does not take (a typo
// would otherwise widen a listing silently) and one given twice.
func checkQuery(rt Route, q url.Values) error {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch {
		case !slices.Contains(rt.Query, k) && len(rt.Query) == 0:
			return errs.BadRequest("unknown_parameter", "%s %s takes no query parameters, got %q", rt.Method, rt.Path, k)
		case !slices.Contains(rt.Query, k):
			return errs.BadRequest("unknown_parameter", "%s %s takes the query parameters %s, not %q",
				rt.Method, rt.Path, strings.Join(rt.Query, ", "), k)
		case len(q[k]) > 1:
			return errs.BadRequest("repeated_parameter", "query parameter %q is given %d times; give it once", k, len(q[k]))
		}
	}
	return nil
}

// oneOf checks an optional parameter against the values it may take.
func oneOf(q url.Values, name string, values ...string) error {
	if v := q.Get(name); v != "" && !slices.Contains(values, v) {
		return errs.BadRequest("invalid_"+name, "%s must be one of %s, got %q", name, strings.Join(values, ", "), v)
	}
	return nil
}

// idParams checks optional parameters that hold ids (the cursor "after",
// filters by keypair, user or release): a listing's ids are UUIDs, and a
// name where an id belongs would match nothing without a word.
func idParams(q url.Values, names ...string) error {
	for _, name := range names {
		v := q.Get(name)
		if v == "" {
			continue
		}
		if _, err := uuid.Parse(v); err != nil {
			what := "an id (UUID)"
			if name == "after" {
				what = "the \"next\" value of the previous page"
			}
			return errs.BadRequest("invalid_"+name, "%s must be %s, got %q", name, what, v)
		}
	}
	return nil
}

// signetdActors are the actor ids signetd's own work is logged under (its
// jobs, and the local administrator commands).
var signetdActors = []string{"system", "local-admin"}

// userID resolves a filter naming a user by name to the id the logs
// record. An id (a UUID, also of a deleted user) and signetd's own actors
// pass as they are; "" stays "".
func (a *API) userID(ctx context.Context, param, ref string) (string, error) {
	if ref == "" || slices.Contains(signetdActors, ref) {
		return ref, nil
	}
	if _, err := uuid.Parse(ref); err == nil {
		return ref, nil
	}
	id, err := a.Identity.UserID(ctx, ref)
	if e := errs.As(err); err != nil && e.Status == http.StatusNotFound {
		return "", errs.BadRequest("invalid_"+param, "%s: no user with id or name %q", param, ref)
	}
	return id, err
}

// keypairID resolves a filter naming a keypair by id or alias to its id.
func (a *API) keypairID(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	kp, err := a.Keypairs.Get(ctx, ref)
	if e := errs.As(err); err != nil && e.Status == http.StatusNotFound {
		return "", errs.BadRequest("invalid_keypair", "keypair: no keypair with id or alias %q", ref)
	}
	if err != nil {
		return "", err
	}
	return kp.ID, nil
}
