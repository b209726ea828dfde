package api_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestWebSession: sign-in sets a Secure, HttpOnly, SameSite=Strict
// __Host- cookie; changes need the CSRF header; sessions end when idle,
// at sign-out, and never pass for API tokens (nor the reverse).
func TestWebSession(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	env := servertest.Start(t, servertest.WithClock(clock))
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "wes", "roles": []string{"developer"}, "password": testPassword}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "bot", "type": "service", "roles": []string{"build_engineer"}}, 201)

	for _, body := range []map[string]any{
		{"name": "wes", "password": "wrong password!"},
		{"name": "nobody", "password": testPassword},
		{"name": "bot", "password": ""},
	} {
		r, _ := signIn(t, env, body)
		if r.Status != 401 || r.Code() != "sign_in_failed" || !strings.Contains(string(r.Body), "wrong name, password or code") {
			t.Fatalf("sign-in %v: %s (every failure must look the same)", body, r)
		}
	}
	r, s := signIn(t, env, map[string]any{"name": "wes", "password": testPassword})
	if r.Status != 201 {
		t.Fatalf("sign-in: %s", r)
	}
	raw := r.Header.Get("Set-Cookie")
	for _, attr := range []string{"__Host-signet-session=sgs_", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(raw, attr) {
			t.Fatalf("session cookie %q lacks %s", raw, attr)
		}
	}
	if strings.Contains(string(r.Body), s.cookie.Value) {
		t.Fatal("the session secret is in the answer's body")
	}

	csrf := s.csrf
	s.csrf = ""
	s.do(t, env, "GET", "/api/v1/me", nil).mustStatus(t, "reading needs no CSRF token", 200)
	s.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "x"}).mustCode(t, "a change without the CSRF header", 403, "csrf_token_invalid")
	s.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "x"}, "X-CSRF-Token", "forged").mustCode(t, "a forged CSRF header", 403, "csrf_token_invalid")
	s.csrf = csrf
	s.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "x"}, "Origin", "https://evil.example").mustCode(t, "another site's origin", 403, "csrf_token_invalid")
	var tok struct{ Secret string }
	a := s.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "from the console"})
	a.mustStatus(t, "a change with the CSRF header", 201)
	a.JSON(t, &tok)
	var again struct {
		CSRFToken string `json:"csrf_token"`
	}
	s.do(t, env, "GET", "/api/v1/session", nil).JSON(t, &again)
	if again.CSRFToken != csrf {
		t.Fatalf("the session's CSRF token changed: %q, %q", again.CSRFToken, csrf)
	}

	// A session secret is no API token, and an API token no session.
	req := &servertest.User{Token: s.cookie.Value, Client: env.HTTPClient(nil)}
	if r := env.Do(t, req, "GET", "/api/v1/me", nil); r.Status != 401 || r.Code() != "invalid_api_key" {
		t.Fatalf("session secret as x-api-key: %s", r)
	}
	asCookie := &session{client: env.HTTPClient(nil), cookie: &http.Cookie{Name: s.cookie.Name, Value: tok.Secret}}
	asCookie.do(t, env, "GET", "/api/v1/me", nil).mustCode(t, "API token as a session cookie", 401, "session_invalid")

	offset.Store(int64(61 * time.Minute)) // idle for more than an hour
	s.do(t, env, "GET", "/api/v1/me", nil).mustCode(t, "idle session", 401, "session_expired")
	offset.Store(int64(2 * time.Hour))
	_, s = signIn(t, env, map[string]any{"name": "wes", "password": testPassword})
	a = s.do(t, env, "DELETE", "/api/v1/session", nil)
	a.mustStatus(t, "sign-out", 204)
	if c := a.Header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
		t.Fatalf("sign-out does not clear the cookie: %q", c)
	}
	s.do(t, env, "GET", "/api/v1/me", nil).mustCode(t, "after sign-out", 401, "session_expired")
}

// TestSessionsEndWithCredentials: a change of password (one's own or by a
// Lead) and a reset of 2FA end the user's web console sessions; one's own
// change keeps the session it was made from; API tokens stay.
func TestSessionsEndWithCredentials(t *testing.T) {
	env := servertest.Start(t)
	var wes auth.User
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "wes", "roles": []string{"developer"}, "password": testPassword}, 201).JSON(t, &wes)
	var tok struct{ Secret string }
	env.MustDo(t, env.Lead, "POST", "/api/v1/tokens", map[string]any{"user": "wes", "name": "cli"}, 201).JSON(t, &tok)
	api := &servertest.User{User: &wes, Token: tok.Secret, Client: env.HTTPClient(nil)}
	open := func(pw string) *session {
		t.Helper()
		r, s := signIn(t, env, map[string]any{"name": "wes", "password": pw})
		if r.Status != 201 {
			t.Fatalf("sign-in: %s", r)
		}
		return s
	}
	alive := func(what string, s *session) {
		t.Helper()
		s.do(t, env, "GET", "/api/v1/me", nil).mustStatus(t, what, 200)
	}
	ended := func(what string, s *session) {
		t.Helper()
		s.do(t, env, "GET", "/api/v1/me", nil).mustCode(t, what, 401, "session_expired")
	}

	pw := []string{testPassword, testPassword + " 2", testPassword + " 3", testPassword + " 4"}
	here, there := open(pw[0]), open(pw[0])
	here.do(t, env, "PUT", "/api/v1/users/wes/password", map[string]any{"current": pw[0], "password": pw[1]}).mustStatus(t, "own change from a session", 204)
	alive("the session the change was made from", here)
	ended("another session after one's own change", there)
	env.MustDo(t, api, "GET", "/api/v1/me", nil, 200)

	there = open(pw[1])
	env.MustDo(t, api, "PUT", "/api/v1/users/wes/password", map[string]any{"current": pw[1], "password": pw[2]}, 204)
	ended("a session after one's own change with an API token", here)
	ended("a session after one's own change with an API token", there)

	here = open(pw[2])
	env.MustDo(t, env.Lead, "PUT", "/api/v1/users/wes/password", map[string]any{"password": pw[3]}, 204)
	ended("a session after a Lead set the password", here)

	here = open(pw[3])
	env.MustDo(t, env.Lead, "DELETE", "/api/v1/users/wes/totp", nil, 204)
	ended("a session after a Lead reset 2FA", here)
	env.MustDo(t, api, "GET", "/api/v1/me", nil, 200)
}
