package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type teamList struct {
	Teams []*auth.Team `json:"teams"`
}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	ts, err := a.Identity.ListTeams(r.Context(), p)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, teamList{Teams: ts})
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.TeamRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	t, err := a.Identity.CreateTeam(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, t)
	return nil
}

func (a *API) describeTeam(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	t, err := a.Identity.GetTeam(r.Context(), p, r.PathValue("team"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.DeleteTeam(r.Context(), p, r.PathValue("team")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setTeamMember(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.MemberRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	t, err := a.Identity.SetTeamMember(r.Context(), p, r.PathValue("team"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) removeTeamMember(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	t, err := a.Identity.RemoveTeamMember(r.Context(), p, r.PathValue("team"), r.PathValue("kind"), r.PathValue("member"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, t)
	return nil
}
