package api_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

const testPassword = "correct horse battery staple"

// apiUser makes a user the way an account does, entirely over the API:
// the Lead creates it (with a password), then an API token and a client
// certificate for it; the PKCS#12 answer becomes its TLS client.
func apiUser(t *testing.T, env *servertest.Env, name string, roles ...string) *servertest.User {
	t.Helper()
	var u auth.User
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": name, "roles": roles, "password": testPassword}, 201).JSON(t, &u)
	var tok struct{ Secret string }
	env.MustDo(t, env.Lead, "POST", "/api/v1/tokens", map[string]any{"user": name, "name": "test"}, 201).JSON(t, &tok)
	return withP12(t, env, &servertest.User{User: &u, Token: tok.Secret}, issueCert(t, env, env.Lead, name))
}

type issuedCert struct {
	ID       string `json:"id"`
	Serial   string `json:"serial"`
	PKCS12   []byte `json:"pkcs12"`
	Password string `json:"password"`
}

// issueCert has by issue a client certificate for user ("" for by itself).
func issueCert(t *testing.T, env *servertest.Env, by *servertest.User, user string) issuedCert {
	t.Helper()
	var c issuedCert
	env.MustDo(t, by, "POST", "/api/v1/client-certs", map[string]any{"user": user}, 201).JSON(t, &c)
	return c
}

// withP12 returns u presenting the certificate of a PKCS#12 answer.
func withP12(t *testing.T, env *servertest.Env, u *servertest.User, c issuedCert) *servertest.User {
	t.Helper()
	key, cert, chain, err := pki.DecodePKCS12(c.PKCS12, c.Password)
	if err != nil {
		t.Fatalf("the issued PKCS#12 does not open with its password: %v", err)
	}
	tc := tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	for _, ch := range chain {
		tc.Certificate = append(tc.Certificate, ch.Raw)
	}
	return &servertest.User{User: u.User, Token: u.Token, Cert: tc, Client: env.HTTPClient(&tc)}
}

// tokenOnly is u without its client certificate.
func tokenOnly(env *servertest.Env, u *servertest.User) *servertest.User {
	return &servertest.User{User: u.User, Token: u.Token, Client: env.HTTPClient(nil)}
}

// session is a signed-in web console.
type session struct {
	cookie *http.Cookie
	csrf   string
	client *http.Client
}

// signIn posts the sign-in form and returns the answer and the session.
func signIn(t *testing.T, env *servertest.Env, body map[string]any) (*servertest.Response, *session) {
	t.Helper()
	s := &session{client: env.HTTPClient(nil)}
	r := s.do(t, env, "POST", "/api/v1/session", body).Response
	if r.Status != 201 {
		return r, nil
	}
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	r.JSON(t, &out)
	s.csrf = out.CSRFToken
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == auth.SessionCookie {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		t.Fatalf("sign-in set no session cookie: %v", r.Header)
	}
	return r, s
}

// do sends a request with the session cookie and CSRF header (when set).
func (s *session) do(t *testing.T, env *servertest.Env, method, path string, body any, header ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, env.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if s.cookie != nil {
		req.AddCookie(&http.Cookie{Name: s.cookie.Name, Value: s.cookie.Value})
	}
	if s.csrf != "" {
		req.Header.Set(auth.CSRFHeader, s.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return answer{&servertest.Response{Status: resp.StatusCode, Body: data, Header: resp.Header}}
}

// answer is a response with checks.
type answer struct{ *servertest.Response }

func (a answer) mustStatus(t *testing.T, what string, status int) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("%s: got %s, want %d", what, a, status)
	}
}

func (a answer) mustCode(t *testing.T, what string, status int, code string) {
	t.Helper()
	if a.Status != status || a.Code() != code {
		t.Fatalf("%s: got %s, want %d %s", what, a, status, code)
	}
}
