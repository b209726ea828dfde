package api

import (
	"errors"
	"net/http"

	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/release"
)

// releaseView is a release with its status at the time of the answer.
type releaseView struct {
	*release.Release
	EffectiveStatus string `json:"effective_status"`
	Remaining       int    `json:"remaining"`
}

type releaseList struct {
	Releases []releaseView `json:"releases"`
	Next     string        `json:"next"`
}

type decisionBody struct {
	Comment string `json:"comment,omitempty"`
}

func (a *API) releaseOf(r *release.Release) releaseView {
	return releaseView{Release: r, EffectiveStatus: r.Effective(a.Guard.Now()), Remaining: r.MaxSignatures - r.Used}
}

func (a *API) createRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body release.CreateRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	rel, err := a.Releases.Create(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, a.releaseOf(rel))
	return nil
}

func (a *API) listReleases(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	q := r.URL.Query()
	limit, err := limitParam(q)
	if err == nil {
		// The stored statuses; in_progress and the like are computed per release.
		err = errors.Join(idParams(q, "after"), oneOf(q, "status", release.StatusPending, release.StatusApproved, release.StatusRejected, release.StatusClosed))
	}
	if err != nil {
		return err
	}
	rs, err := a.Releases.List(r.Context(), p, release.Filter{Status: q.Get("status"), Keypair: q.Get("keypair"), After: q.Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	out := releaseList{Releases: make([]releaseView, 0, len(rs))}
	for _, rel := range rs {
		out.Releases = append(out.Releases, a.releaseOf(rel))
	}
	if len(rs) == limit {
		out.Next = rs[len(rs)-1].ID
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) describeRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	rel, err := a.Releases.Describe(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.releaseOf(rel))
	return nil
}

func (a *API) updateRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body release.UpdateRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	rel, err := a.Releases.Update(r.Context(), p, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.releaseOf(rel))
	return nil
}

func (a *API) approveRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.decideRelease(w, r, p, true)
}

func (a *API) rejectRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.decideRelease(w, r, p, false)
}

func (a *API) decideRelease(w http.ResponseWriter, r *http.Request, p policy.Principal, approve bool) error {
	var body decisionBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
			return err
		}
	}
	rel, err := a.Releases.Decide(r.Context(), p, r.PathValue("id"), approve, body.Comment)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.releaseOf(rel))
	return nil
}

func (a *API) closeRelease(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	rel, err := a.Releases.Close(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.releaseOf(rel))
	return nil
}
