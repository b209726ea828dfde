package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

type clientCertList struct {
	ClientCerts []*auth.ClientCert `json:"client_certs"`
}

// newClientCert is an issued certificate: the PKCS#12 file (key,
// certificate, CA chain) and its password are in this answer only.
type newClientCert struct {
	*auth.ClientCert
	PKCS12   []byte `json:"pkcs12"`
	Password string `json:"password"`
}

func (a *API) listClientCerts(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	cs, err := a.Identity.ListClientCerts(r.Context(), p, r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*auth.ClientCert{}
	}
	renderJSON(w, http.StatusOK, clientCertList{ClientCerts: cs})
	return nil
}

func (a *API) issueClientCert(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body auth.CertRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, p12, password, err := a.Identity.IssueClientCert(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, newClientCert{ClientCert: c, PKCS12: p12, Password: password})
	return nil
}

func (a *API) revokeClientCert(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	c, err := a.Identity.RevokeClientCert(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, c)
	return nil
}
