package api

import (
	"cmp"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
)

// certView is a certificate as the API shows it.
type certView struct {
	*ca.Certificate
	Status         string            `json:"status"` // valid, expired, not_yet_valid, revoked
	CertificatePEM string            `json:"certificate_pem"`
	ChainPEM       string            `json:"chain_pem"` // intermediates, then the root
	Fingerprints   map[string]string `json:"fingerprints"`
}

type certList struct {
	Certificates []certView `json:"certificates"`
}

type csrAnswer struct {
	CSRPEM string `json:"csr_pem"`
}

type revokeBody struct {
	// Reason is an RFC 5280 reason: unspecified (default), keyCompromise,
	// cACompromise, affiliationChanged, superseded, cessationOfOperation,
	// privilegeWithdrawn.
	Reason string `json:"reason,omitempty"`
}

func (a *API) certView(c *ca.Certificate) certView {
	v := certView{Certificate: c, Status: "valid", Fingerprints: map[string]string{}}
	now := a.Guard.Now()
	switch {
	case c.RevokedAt != nil:
		v.Status = "revoked"
	case now.After(c.NotAfter):
		v.Status = "expired"
	case now.Before(c.NotBefore):
		v.Status = "not_yet_valid"
	}
	if cert, chain, err := c.Parsed(); err == nil {
		v.CertificatePEM = string(pki.EncodeCertificatesPEM(cert))
		v.ChainPEM = string(pki.EncodeCertificatesPEM(chain...))
	}
	sum := sha256.Sum256(c.DER)
	v.Fingerprints["sha256"] = hex.EncodeToString(sum[:])
	return v
}

func (a *API) listCertificates(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	cs, _, err := a.CA.List(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	out := certList{Certificates: make([]certView, 0, len(cs))}
	for _, c := range cs {
		out.Certificates = append(out.Certificates, a.certView(c))
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) issueCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body ca.IssueRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, err := a.CA.Issue(r.Context(), p, r.PathValue("ref"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, a.certView(c))
	return nil
}

func (a *API) createCSR(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body ca.CSRRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	csr, err := a.CA.CSR(r.Context(), p, r.PathValue("ref"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, csrAnswer{CSRPEM: string(csr)})
	return nil
}

func (a *API) importCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body ca.ImportRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, err := a.CA.Import(r.Context(), p, r.PathValue("ref"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, a.certView(c))
	return nil
}

func (a *API) describeCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	c, err := a.CA.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.certView(c))
	return nil
}

func (a *API) updateCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body ca.UpdateRequest
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, err := a.CA.Update(r.Context(), p, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.certView(c))
	return nil
}

func (a *API) revokeCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body revokeBody // optional: the reason defaults to unspecified
	if err := decodeOptionalJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, err := a.CA.Revoke(r.Context(), p, r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.certView(c))
	return nil
}

func (a *API) downloadCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	c, err := a.CA.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.download(w, r, p, c)
}

// downloadKeypairCertificate serves a keypair's default certificate.
func (a *API) downloadKeypairCertificate(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	cs, kp, err := a.CA.List(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Default {
			return a.download(w, r, p, c)
		}
	}
	return errs.NotFound("no_certificate", "keypair %s has no default certificate", kp.Alias)
}

// download writes c in the format ?format= asks for: pem (default) or der
// (the certificate), chain (intermediates then root, PEM), fullchain (the
// certificate then its chain, PEM) or p7b (a PKCS#7 bundle of both, DER).
func (a *API) download(w http.ResponseWriter, r *http.Request, p policy.Principal, c *ca.Certificate) error {
	cert, chain, err := c.Parsed()
	if err != nil {
		return errs.Internal(err)
	}
	format := r.URL.Query().Get("format")
	var body []byte
	ctype, ext := "application/x-pem-file", ".pem"
	switch format {
	case "", "pem":
		body = pki.EncodeCertificatesPEM(cert)
	case "der":
		body, ctype, ext = cert.Raw, "application/pkix-cert", ".cer"
	case "chain":
		body = pki.EncodeCertificatesPEM(chain...)
	case "fullchain":
		body = pki.EncodeCertificatesPEM(append([]*x509.Certificate{cert}, chain...)...)
	case "p7b":
		if body, err = pki.EncodePKCS7Certs(append([]*x509.Certificate{cert}, chain...)...); err != nil {
			return errs.Internal(err)
		}
		ctype, ext = "application/pkcs7-mime", ".p7b"
	default:
		return errs.BadRequest("invalid_format", "format must be pem, der, chain, fullchain or p7b, got %q", format)
	}
	ev := guard.NewEvent(r.Context(), a.Guard.Now(), p, guard.Target{Type: "Certificate", Action: "Download", ID: c.ID, Name: c.Subject}, audit.Allowed, "")
	ev.Details = map[string]string{"format": cmp.Or(format, "pem")}
	if err := a.Guard.Journal.Commit(r.Context(), journal.Entry{Events: []*audit.Event{ev}}); err != nil {
		return errs.Wrap(err, http.StatusServiceUnavailable, "audit_unavailable", "download refused: the audit log cannot be written")
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.Serial+ext+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
