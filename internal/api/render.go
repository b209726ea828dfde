package api

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/request"
)

// ErrorBody is the JSON shape of every error answer.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// renderJSON writes v as JSON with status.
func renderJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// renderError writes err as an ErrorBody with the status the error carries.
// Internal errors are logged with their cause; clients see a generic message.
func (a *API) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if e.Code == "client_closed_request" {
		a.log.Info("the client left before its answer", "request_id", request.MetaFrom(r.Context()).ID, "path", r.URL.Path)
	} else if e.Status >= 500 {
		a.log.Error("request failed", "request_id", request.MetaFrom(r.Context()).ID,
			"method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
	}
	renderJSON(w, e.Status, ErrorBody{Code: e.Code, Message: e.Message})
}

// decodeJSON reads a JSON request body into v: at most limit bytes, one
// object, no unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errs.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json, not %q", ct)
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	return DecodeBody(body, limit, v)
}

// decodeOptionalJSON is decodeJSON for a body every field of which is
// optional: no body at all leaves v as it is.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	br := bufio.NewReader(r.Body)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return nil
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return decodeJSON(w, r, limit, v)
}

// DecodeBody decodes one JSON object from body into v, strictly. It is the
// parser of untrusted request bytes (fuzzed in decode_test.go).
func DecodeBody(body io.Reader, limit int64, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var tpe *time.ParseError
		var b64 base64.CorruptInputError
		switch {
		case errors.As(err, &mbe):
			return errs.New(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes", limit)
		case errors.Is(err, io.EOF):
			return errs.BadRequest("malformed_json", "request body is empty: send a JSON object")
		case errors.As(err, &se):
			return errs.BadRequest("malformed_json", "request body is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te) && te.Field == "":
			return errs.BadRequest("malformed_json", "request body must be a JSON object, not JSON %s", te.Value)
		case errors.As(err, &te):
			return errs.BadRequest("malformed_json", "field %q must be %s, not JSON %s", te.Field, jsonKind(te.Type), te.Value)
		case errors.As(err, &tpe):
			return errs.BadRequest("invalid_time", "a time is RFC 3339, such as 2026-05-01T12:00:00Z; got %q", tpe.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errs.BadRequest("unknown_field", "request body has an %s", strings.TrimPrefix(err.Error(), "json: "))
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errs.BadRequest("malformed_json", "request body is truncated JSON")
		case errors.As(err, &b64):
			return errs.BadRequest("malformed_json", "a binary field (such as hash) must be standard base64: %v", err)
		default:
			// A value its type refused (a validity such as "25y", ...): the
			// type's own message says what it takes.
			return errs.BadRequest("invalid_value", "request body: %v", err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.New(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes", limit)
		}
		return errs.BadRequest("malformed_json", "request body must hold exactly one JSON object")
	}
	return nil
}

// jsonKind names what JSON a Go type takes, for error messages (the Go
// type's own name means nothing to a client).
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another JSON type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another JSON type"
}
