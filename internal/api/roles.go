package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type roleList struct {
	Roles []policy.Role `json:"roles"`
}

// listRoles shows every role with its permissions, to any user.
func (a *API) listRoles(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	rs, err := a.Identity.ListRoles(r.Context())
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, roleList{Roles: rs})
	return nil
}

func (a *API) createRole(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.RoleRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	role, err := a.Identity.CreateRole(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, role)
	return nil
}

func (a *API) updateRole(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.RoleRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	role, err := a.Identity.UpdateRole(r.Context(), p, r.PathValue("role"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, role)
	return nil
}

func (a *API) deleteRole(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.DeleteRole(r.Context(), p, r.PathValue("role")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
