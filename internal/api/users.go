package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type userList struct {
	Users []*auth.User `json:"users"`
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	us, err := a.Identity.ListUsers(r.Context(), p)
	if err != nil {
		return err
	}
	if us == nil {
		us = []*auth.User{}
	}
	renderJSON(w, http.StatusOK, userList{Users: us})
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.UserRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	u, err := a.Identity.CreateUser(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, u)
	return nil
}

func (a *API) describeUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	u, err := a.Identity.GetUser(r.Context(), p, r.PathValue("user"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.UserUpdate
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	u, err := a.Identity.UpdateUser(r.Context(), p, r.PathValue("user"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) disableUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.setDisabled(w, r, p, true)
}

func (a *API) enableUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.setDisabled(w, r, p, false)
}

func (a *API) setDisabled(w http.ResponseWriter, r *http.Request, p policy.Principal, disabled bool) error {
	u, err := a.Identity.SetDisabled(r.Context(), p, r.PathValue("user"), disabled)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.DeleteUser(r.Context(), p, r.PathValue("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setPassword(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.PasswordRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	// Without x-api-key, the session cookie authenticated the request:
	// one's own change keeps that session.
	if c, err := r.Cookie(auth.SessionCookie); err == nil && r.Header.Get("x-api-key") == "" {
		body.Session = c.Value
	}
	if err := a.Identity.SetPassword(r.Context(), p, r.PathValue("user"), body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) unlockUser(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.Unlock(r.Context(), p, r.PathValue("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) resetTOTP(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	if err := a.Identity.ResetTOTP(r.Context(), p, r.PathValue("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
