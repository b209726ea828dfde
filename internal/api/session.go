package api

import (
	"net/http"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

// sessionBody describes a web console session. The session secret itself
// travels only in the HttpOnly cookie.
type sessionBody struct {
	User      meUser    `json:"user"`
	CSRFToken string    `json:"csrf_token"` // send it as X-CSRF-Token on changes
	ExpiresAt time.Time `json:"expires_at,omitempty"`
	// RecoveryCodes are shown once, at the sign-in that confirmed TOTP.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

type totpBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// signIn opens a web console session: password, then TOTP.
func (a *API) signIn(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	var body auth.SignInRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	s, err := a.Identity.SignIn(r.Context(), body)
	if err != nil {
		return err
	}
	http.SetCookie(w, auth.SessionCookieFor(s.Secret, s.ExpiresAt))
	renderJSON(w, http.StatusCreated, sessionBody{User: meUser{ID: s.User.ID, Name: s.User.Name, Roles: s.User.Roles, Groups: s.User.Groups},
		CSRFToken: s.CSRF, ExpiresAt: s.ExpiresAt, RecoveryCodes: s.RecoveryCodes})
	return nil
}

// describeSession returns the current session's CSRF token again (for a
// reloaded console page).
func (a *API) describeSession(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil || r.Header.Get("x-api-key") != "" {
		return errs.BadRequest("not_a_session", "this request was not made with a web console session")
	}
	renderJSON(w, http.StatusOK, sessionBody{User: meUser{ID: p.UserID, Name: p.Name, Roles: p.Roles, Groups: p.Groups},
		CSRFToken: auth.CSRFToken(c.Value)})
	return nil
}

// signOut ends the session and clears its cookie.
func (a *API) signOut(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil || r.Header.Get("x-api-key") != "" {
		return errs.BadRequest("not_a_session", "this request was not made with a web console session")
	}
	if err := a.Identity.SignOut(r.Context(), p, c.Value); err != nil {
		return err
	}
	http.SetCookie(w, auth.ClearSessionCookie())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// beginTOTP starts TOTP enrolment: the secret and provisioning URI are
// shown once; the next sign-in with a code confirms it.
func (a *API) beginTOTP(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	var body totpBody
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	e, err := a.Identity.BeginTOTP(r.Context(), body.Name, body.Password)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, e)
	return nil
}
