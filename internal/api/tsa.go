package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/digitorus/timestamp"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/request"
	"github.com/signet-project/signet/internal/tsa"
)

// timestampReply answers POST /tsa (RFC 3161 over HTTP, section 3.4): an
// application/timestamp-query body gets an application/timestamp-reply,
// a rejection for a bad or oversized request; a body of another type gets a
// JSON error. Every granted token is recorded before it is sent.
func (a *API) timestampReply(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	if err := mediaType(r, "application/timestamp-query"); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, tsa.MaxRequest))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeTSR(w, http.StatusRequestEntityTooLarge, tsa.Rejection(timestamp.BadDataFormat))
		return nil
	case err != nil:
		writeTSR(w, http.StatusBadRequest, tsa.Rejection(timestamp.BadDataFormat))
		return nil
	}
	resp, status := a.TSA.Respond(r.Context(), body, request.MetaFrom(r.Context()).ClientIP)
	writeTSR(w, status, resp)
	return nil
}

func writeTSR(w http.ResponseWriter, status int, resp []byte) {
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(resp)
}
