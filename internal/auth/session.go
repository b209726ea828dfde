package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Web console sessions. The session secret lives only in a cookie that is
// Secure (HTTPS only), HttpOnly (no script reads it) and SameSite=Strict
// (no other site's page sends it), named with the __Host- prefix (browsers
// accept it only from this host, Secure, for Path=/). The database keeps
// its SHA-256, like an API token's.
//
// CSRF: every request that changes something and comes with the cookie
// must also carry the X-CSRF-Token header, an HMAC of the session secret
// returned by sign-in. Another site can neither read the cookie nor the
// answer that holds the token, so it cannot forge the header; the server
// keeps nothing for it. A cross-site Origin header is refused as well.
const (
	SessionCookie = "__Host-signet-session"
	CSRFHeader    = "X-CSRF-Token"
	SessionPrefix = "sgs_"
	// SessionLifetime is a session's absolute lifetime.
	SessionLifetime = 12 * time.Hour
	// SessionIdle ends a session unused for this long.
	SessionIdle = time.Hour
)

// NewSessionSecret returns a fresh session secret and the hash to store.
func NewSessionSecret() (secret string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	secret = SessionPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// CSRFToken derives the CSRF token of a session.
func CSRFToken(sessionSecret string) string {
	m := hmac.New(sha256.New, []byte(sessionSecret))
	m.Write([]byte("signet csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SessionCookieFor returns the cookie that carries a session.
func SessionCookieFor(secret string, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
}

// ClearSessionCookie returns a cookie that removes the session cookie.
func ClearSessionCookie() *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode}
}

// safeMethod reports methods that change nothing, which need no CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF verifies the CSRF header (and Origin, when sent) of a request
// authenticated by the session cookie.
func checkCSRF(r *http.Request, sessionSecret string) bool {
	if safeMethod(r.Method) {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	got := r.Header.Get(CSRFHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(CSRFToken(sessionSecret))) == 1
}
