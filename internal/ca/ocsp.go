package ca

import (
	"context"

	"github.com/signet-project/signet/internal/pki"
)

// OCSP answers a DER OCSP request (RFC 6960) with a DER OCSP response,
// signed by the CA that issued the certificates asked about. Every
// outcome is a response: malformedRequest for a bad request, unauthorized
// when no Signet CA issued the first certificate, tryLater when the CA
// cannot be reached. malformed reports a request that could not be read.
func (s *Service) OCSP(ctx context.Context, der []byte) (resp []byte, malformed bool) {
	req, err := pki.ParseOCSPRequest(der)
	if err != nil {
		return pki.OCSPErrorResponse(pki.OCSPMalformedRequest), true
	}
	return s.answer(ctx, req), false
}

// answer answers a well-formed request.
func (s *Service) answer(ctx context.Context, req *pki.OCSPRequest) []byte {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return pki.OCSPErrorResponse(pki.OCSPTryLater)
	}
	issuer := h.issuerOf(req.Items[0])
	if issuer == nil {
		// Perhaps a CA another node made: reload, as often as reloadEvery
		// allows (anyone may ask about any issuer).
		if h, err = s.reload(ctx, h, false); err != nil {
			return pki.OCSPErrorResponse(pki.OCSPTryLater)
		}
		if issuer = h.issuerOf(req.Items[0]); issuer == nil {
			return pki.OCSPErrorResponse(pki.OCSPUnauthorized)
		}
	}
	now := s.now()
	statuses := make([]pki.OCSPStatus, 0, len(req.Items))
	for _, id := range req.Items {
		st := pki.OCSPStatus{ID: id, Status: pki.OCSPUnknown, ThisUpdate: now, NextUpdate: now.Add(s.conf().OCSPLife)}
		if id.Issued(issuer.ca) {
			c, err := s.Store.CertificateBySerial(ctx, issuer.ID, id.Serial.Text(16))
			switch {
			case err == nil && c.RevokedAt != nil:
				st.Status, st.RevokedAt, st.Reason = pki.OCSPRevoked, *c.RevokedAt, c.Reason
			case err == nil:
				st.Status = pki.OCSPGood
			case !isNotFound(err):
				return pki.OCSPErrorResponse(pki.OCSPTryLater)
			}
		}
		statuses = append(statuses, st)
	}
	resp, err := issuer.ca.OCSPResponse(statuses, req.Nonce, now)
	if err != nil {
		s.log().Error("OCSP response", "issuer", issuer.Name, "err", err)
		return pki.OCSPErrorResponse(pki.OCSPInternalError)
	}
	return resp
}

// issuerOf is the CA of h that issued the certificate id names, or nil.
func (h *hierarchy) issuerOf(id pki.OCSPCertID) *loaded {
	for _, a := range h.list {
		if a.Kind != KindTSA && id.Issued(a.ca) {
			return a
		}
	}
	return nil
}
