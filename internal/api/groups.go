package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type groupList struct {
	Groups []*auth.Group `json:"groups"`
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	gs, err := a.Identity.ListGroups(r.Context(), p)
	if err != nil {
		return err
	}
	if gs == nil {
		gs = []*auth.Group{}
	}
	renderJSON(w, http.StatusOK, groupList{Groups: gs})
	return nil
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.GroupRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	g, err := a.Identity.CreateGroup(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, g)
	return nil
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.DeleteGroup(r.Context(), p, r.PathValue("group")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addGroupMember(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.groupMember(w, r, p, true)
}

func (a *API) removeGroupMember(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.groupMember(w, r, p, false)
}

func (a *API) groupMember(w http.ResponseWriter, r *http.Request, p policy.Principal, in bool) error {
	u, err := a.Identity.SetGroupMember(r.Context(), p, r.PathValue("group"), r.PathValue("user"), in)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, u)
	return nil
}
