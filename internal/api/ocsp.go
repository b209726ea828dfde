package api

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
)

// The OCSP responder (RFC 6960, appendix A): POST /ocsp with an
// application/ocsp-request body, or GET /ocsp/{base64 of the request}.
// Every answer to an OCSP request is an OCSP response, an unsuccessful one
// (malformedRequest) for a bad request; a request that is not OCSP at all
// (wrong content type) gets a JSON error.

func (a *API) ocspPost(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	if err := mediaType(r, "application/ocsp-request"); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, pki.MaxOCSPRequest))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeOCSP(w, http.StatusRequestEntityTooLarge, pki.OCSPErrorResponse(pki.OCSPMalformedRequest), false)
		return nil
	case err != nil:
		writeOCSP(w, http.StatusBadRequest, pki.OCSPErrorResponse(pki.OCSPMalformedRequest), false)
		return nil
	}
	a.answerOCSP(w, r, body, false)
	return nil
}

func (a *API) ocspGet(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	// The request is the rest of the path, URL-encoded base64; some
	// clients send '/' and '+' raw, so read the escaped path, which
	// reaches here uncleaned even with "//" in it (see rawOCSP).
	enc := strings.TrimPrefix(r.URL.EscapedPath(), "/ocsp/")
	s, err := url.PathUnescape(enc)
	if err != nil || len(s) > 2*pki.MaxOCSPRequest {
		writeOCSP(w, http.StatusBadRequest, pki.OCSPErrorResponse(pki.OCSPMalformedRequest), false)
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		writeOCSP(w, http.StatusBadRequest, pki.OCSPErrorResponse(pki.OCSPMalformedRequest), false)
		return nil
	}
	a.answerOCSP(w, r, der, true)
	return nil
}

// rawOCSP sends GET /ocsp/... straight to the OCSP responder: the base64
// of a request may hold "//" (clients send '/' unescaped, RFC 6960
// appendix A.1), which the mux would clean and redirect to another
// request.
func rawOCSP(mux, ocspGet http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ocspGet != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, "/ocsp/") {
			ocspGet.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (a *API) answerOCSP(w http.ResponseWriter, r *http.Request, der []byte, cacheable bool) {
	resp, malformed := a.CA.OCSP(r.Context(), der)
	if malformed {
		writeOCSP(w, http.StatusBadRequest, resp, false)
		return
	}
	writeOCSP(w, http.StatusOK, resp, cacheable)
}

func writeOCSP(w http.ResponseWriter, status int, resp []byte, cacheable bool) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	if cacheable {
		w.Header().Set("Cache-Control", "public, max-age=300")
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(resp)
}

// mediaType refuses a request whose body is not of type want.
func mediaType(r *http.Request, want string) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != want {
		return errs.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as %s, not %q", want, ct)
	}
	return nil
}
