package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/policy"
)

type meUser struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Groups []string `json:"groups"`
}

type meBody struct {
	User         meUser   `json:"user"`
	Permissions  []string `json:"permissions"`
	SecondFactor bool     `json:"second_factor"`
}

// me tells callers who they are and what they may do (used by healthcheck).
func (a *API) me(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	out := meBody{User: meUser{ID: p.UserID, Name: p.Name, Roles: p.Roles, Groups: p.Groups},
		Permissions: []string{}, SecondFactor: p.SecondFactor}
	for _, act := range policy.AllActions {
		if p.Has(act) {
			out.Permissions = append(out.Permissions, string(act))
		}
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}
