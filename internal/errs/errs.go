// Package errs defines the error type that carries its own HTTP status and a
// stable machine-readable code. Domain packages return *Error (or wrap one);
// the API renders any error with errors.As, never by matching strings.
package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a domain error with an HTTP status and a stable code.
type Error struct {
	Status  int    // HTTP status
	Code    string // stable, snake_case, documented in the OpenAPI document
	Message string // human readable; never contains secrets or key material
	Err     error  // optional cause, not shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status.
func (e *Error) StatusCode() int { return e.Status }

// New returns an *Error with a formatted message.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with a cause that is kept for logs only.
func Wrap(err error, status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Constructors for the common classes. The code names the exact condition.
func BadRequest(code, format string, args ...any) *Error {
	return New(http.StatusBadRequest, code, format, args...)
}
func Unauthorized(code, format string, args ...any) *Error {
	return New(http.StatusUnauthorized, code, format, args...)
}
func Forbidden(code, format string, args ...any) *Error {
	return New(http.StatusForbidden, code, format, args...)
}
func NotFound(code, format string, args ...any) *Error {
	return New(http.StatusNotFound, code, format, args...)
}
func Conflict(code, format string, args ...any) *Error {
	return New(http.StatusConflict, code, format, args...)
}
func Unavailable(code, format string, args ...any) *Error {
	return New(http.StatusServiceUnavailable, code, format, args...)
}

// Internal wraps an unexpected error; the message shown to clients is generic.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Err: err}
}

// As returns the *Error in err's chain, or an internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
