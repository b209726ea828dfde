package api

import (
	"crypto/x509"
	"net/http"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
)

// caView is a certificate authority (or the TSA) as the API shows it.
type caView struct {
	*ca.Authority
	Subject        string    `json:"subject"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	CertificatePEM string    `json:"certificate_pem"`
	ChainPEM       string    `json:"chain_pem"`          // the issuers, root last; empty for the root
	CRLURL         string    `json:"crl_url,omitempty"`  // path of the CA's CRL on this server
	CertURL        string    `json:"cert_url,omitempty"` // path of its DER certificate
}

type caList struct {
	Authorities []caView `json:"authorities"`
}

func viewOfCA(a ca.AuthorityInfo) caView {
	v := caView{Authority: a.Authority, Subject: a.Cert.Subject.String(), NotBefore: a.Cert.NotBefore, NotAfter: a.Cert.NotAfter,
		CertificatePEM: string(pki.EncodeCertificatesPEM(a.Cert)), ChainPEM: string(pki.EncodeCertificatesPEM(a.Chain...)),
		CertURL: "/ca/" + a.Name + ".crt"}
	if a.Kind != ca.KindTSA {
		v.CRLURL = "/crl/" + a.Name + ".crl"
	}
	return v
}

func (a *API) listCAs(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	as, err := a.CA.Authorities(r.Context())
	if err != nil {
		return err
	}
	out := caList{Authorities: make([]caView, 0, len(as))}
	for _, x := range as {
		out.Authorities = append(out.Authorities, viewOfCA(x))
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) describeCA(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	x, err := a.CA.AuthorityByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, viewOfCA(x))
	return nil
}

func (a *API) createCA(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body ca.CARequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	x, err := a.CA.CreateCA(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, viewOfCA(*x))
	return nil
}

// caCertificate serves a CA's certificate: ?format=pem (default), der, or
// chain (the certificate then its issuers, PEM).
func (a *API) caCertificate(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	x, err := a.CA.AuthorityByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "pem":
		writeBody(w, "application/x-pem-file", pki.EncodeCertificatesPEM(x.Cert))
	case "der":
		writeBody(w, "application/pkix-cert", x.Cert.Raw)
	case "chain":
		writeBody(w, "application/x-pem-file", pki.EncodeCertificatesPEM(append([]*x509.Certificate{x.Cert}, x.Chain...)...))
	default:
		return errs.BadRequest("invalid_format", "format must be pem, der or chain, got %q", f)
	}
	return nil
}

// caFile serves /ca/NAME.crt (DER, the form of the issuer URL in
// certificates) and /ca/NAME.pem, without authentication.
func (a *API) caFile(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	file := r.PathValue("file")
	name, ext := file, ""
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		name, ext = file[:i], file[i:]
	}
	if ext != ".crt" && ext != ".pem" {
		return errs.NotFound("ca_not_found", "no CA file %q: ask for NAME.crt or NAME.pem", file)
	}
	x, err := a.CA.AuthorityByName(r.Context(), name)
	if err != nil {
		return err
	}
	if ext == ".crt" {
		writeBody(w, "application/pkix-cert", x.Cert.Raw)
	} else {
		writeBody(w, "application/x-pem-file", pki.EncodeCertificatesPEM(x.Cert))
	}
	return nil
}

// writeBody writes a non-JSON answer that caches may keep a while.
func writeBody(w http.ResponseWriter, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
