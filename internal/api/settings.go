package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

// getSettings shows the account settings to any user.
func (a *API) getSettings(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	s, err := a.Identity.Settings(r.Context())
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) updateSettings(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.SettingsUpdate
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	s, err := a.Identity.UpdateSettings(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, s)
	return nil
}
