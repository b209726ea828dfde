package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type tokenList struct {
	Tokens []*auth.Token `json:"tokens"`
}

// newToken is a created token: its secret is in this answer only.
type newToken struct {
	*auth.Token
	Secret string `json:"secret"`
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	ts, err := a.Identity.ListTokens(r.Context(), p, r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*auth.Token{}
	}
	renderJSON(w, http.StatusOK, tokenList{Tokens: ts})
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.TokenRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	t, secret, err := a.Identity.CreateToken(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, newToken{Token: t, Secret: secret})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	t, err := a.Identity.RevokeToken(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, t)
	return nil
}
