package api_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestTOTP walks TOTP over HTTPS with an injected clock: enrolment with a
// provisioning URI, a code accepted once, the skew window, recovery codes,
// and lockout counting wrong passwords and wrong or replayed codes.
func TestTOTP(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		base := time.Unix(time.Now().Unix()/30*30+10, 0) // 10 s into a time step
		clock := func() time.Time { return base.Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		testTOTP(t, env, clock, func(d time.Duration) { offset.Add(int64(d)) })
	})
}

func testTOTP(t *testing.T, env *servertest.Env, clock func() time.Time, advance func(time.Duration)) {
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"require_2fa": true}, 200)
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "tina", "roles": []string{"developer"}, "password": testPassword}, 201)
	login := func(extra map[string]any) *servertest.Response {
		body := map[string]any{"name": "tina", "password": testPassword}
		for k, v := range extra {
			body[k] = v
		}
		r, _ := signIn(t, env, body)
		return r
	}
	expect := func(what string, r *servertest.Response, status int, code string) {
		t.Helper()
		if r.Status != status || (code != "" && r.Code() != code) {
			t.Fatalf("%s: got %s, want %d %s", what, r, status, code)
		}
	}
	code := func(at time.Time, secret string) string {
		c, err := auth.TOTPCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	expect("sign-in before enrolment", login(nil), 403, "totp_enrolment_required")
	s := &session{client: env.HTTPClient(nil)}
	expect("enrolment, wrong password", s.do(t, env, "POST", "/api/v1/session/totp", map[string]any{"name": "tina", "password": "wrong password!"}).Response, 401, "sign_in_failed")
	var enrol auth.TOTPEnrolment
	r := s.do(t, env, "POST", "/api/v1/session/totp", map[string]any{"name": "tina", "password": testPassword}).Response
	expect("enrolment", r, 201, "")
	r.JSON(t, &enrol)
	u, err := url.Parse(enrol.ProvisioningURI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != enrol.Secret ||
		u.Query().Get("issuer") != "Signet" || u.Query().Get("period") != "30" || u.Query().Get("digits") != "6" {
		t.Fatalf("provisioning URI %q", enrol.ProvisioningURI)
	}

	c0 := code(clock(), enrol.Secret)
	r = login(map[string]any{"code": c0})
	expect("first code confirms enrolment", r, 201, "")
	var first struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.JSON(t, &first)
	if len(first.RecoveryCodes) != auth.RecoveryCodes {
		t.Fatalf("recovery codes: %v", first.RecoveryCodes)
	}
	expect("the same code again, same window", login(map[string]any{"code": c0}), 401, "sign_in_failed")
	expect("no code", login(nil), 401, "totp_required")
	expect("the previous step's unused code", login(map[string]any{"code": code(clock().Add(-30*time.Second), enrol.Secret)}), 401, "sign_in_failed")

	advance(30 * time.Second)
	expect("next step", login(map[string]any{"code": code(clock(), enrol.Secret)}), 201, "")
	advance(30 * time.Second)
	expect("a phone clock one step ahead (skew window)", login(map[string]any{"code": code(clock().Add(30*time.Second), enrol.Secret)}), 201, "")
	expect("then the current step, older than the one used", login(map[string]any{"code": code(clock(), enrol.Secret)}), 401, "sign_in_failed")
	advance(60 * time.Second)
	expect("three steps ahead: outside the window", login(map[string]any{"code": code(clock().Add(90*time.Second), enrol.Secret)}), 401, "sign_in_failed")
	expect("a recovery code", login(map[string]any{"recovery_code": strings.ToUpper(first.RecoveryCodes[0])}), 201, "")
	expect("the recovery code again", login(map[string]any{"recovery_code": first.RecoveryCodes[0]}), 401, "sign_in_failed")

	// Lockout: five failures in a row, wrong codes and a wrong password
	// alike, lock sign-in; a success clears the count.
	advance(30 * time.Second)
	expect("a success", login(map[string]any{"code": code(clock(), enrol.Secret)}), 201, "")
	for i := 1; i <= 4; i++ {
		expect("wrong code", login(map[string]any{"code": "000000"}), 401, "sign_in_failed")
	}
	r, _ = signIn(t, env, map[string]any{"name": "tina", "password": "not the password"})
	expect("fifth failure", r, 429, "account_locked")
	expect("locked: even the right code", login(map[string]any{"code": code(clock(), enrol.Secret)}), 429, "account_locked")
	advance(16 * time.Minute)
	expect("lock over", login(map[string]any{"code": code(clock(), enrol.Secret)}), 201, "")
	expect("enrolling again", s.do(t, env, "POST", "/api/v1/session/totp", map[string]any{"name": "tina", "password": testPassword}).Response, 409, "totp_enrolled")

	denied, err := env.Store.ListAudit(context.Background(), audit.Filter{Action: "Sign-in", Result: audit.Denied, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, e := range denied {
		reasons[e.Reason]++
	}
	if reasons["wrong TOTP code"] < 5 || reasons["TOTP code already used"] < 1 || reasons["wrong password"] < 2 {
		t.Fatalf("denied sign-ins audited by reason: %v", reasons)
	}

	// The secret is sealed at rest and never shown again.
	var sealed []byte
	if err := env.Store.(interface{ SQL() *sql.DB }).SQL().QueryRow(`SELECT totp_secret FROM user_logins`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), enrol.Secret) || len(sealed) < len(enrol.Secret)+28 {
		t.Fatalf("TOTP secret stored in the clear or unsealed: %q", sealed)
	}
	if r := env.MustDo(t, env.Lead, "GET", "/api/v1/users/tina", nil, 200); strings.Contains(string(r.Body), enrol.Secret) {
		t.Fatal("the TOTP secret is returned after enrolment")
	}
	env.MustDo(t, env.Lead, "DELETE", "/api/v1/users/tina/totp", nil, 204)
	expect("after a reset", login(nil), 403, "totp_enrolment_required")
}
