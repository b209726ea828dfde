package api_test

import (
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestCredentialsOutliveNoToken: what an expiring API token makes, a token
// or a client certificate, for its own user or another, expires with it at
// the latest; an earlier expiry asked for stays, and a token without
// expiry or a web session caps nothing.
func TestCredentialsOutliveNoToken(t *testing.T) {
	env := servertest.Start(t)
	dev := apiUser(t, env, "otto", "developer")
	var short struct {
		Secret    string
		ExpiresAt *time.Time `json:"expires_at"`
	}
	env.MustDo(t, dev, "POST", "/api/v1/tokens", map[string]any{"name": "short", "expires_in": "1h"}, 201).JSON(t, &short)
	caller := &servertest.User{User: dev.User, Token: short.Secret, Cert: dev.Cert, Client: dev.Client}
	end := *short.ExpiresAt

	type made struct {
		ExpiresAt *time.Time `json:"expires_at"`
		NotAfter  time.Time  `json:"not_after"`
	}
	token := func(by *servertest.User, body map[string]any) *time.Time {
		t.Helper()
		var m made
		env.MustDo(t, by, "POST", "/api/v1/tokens", body, 201).JSON(t, &m)
		return m.ExpiresAt
	}
	for _, c := range []struct {
		name string
		body map[string]any
		want time.Time
	}{
		{"no expiry asked", map[string]any{"name": "forever"}, end},
		{"a later expiry asked", map[string]any{"name": "later", "expires_in": "720h"}, end},
		{"an earlier expiry asked", map[string]any{"name": "sooner", "expires_at": end.Add(-30 * time.Minute)}, end.Add(-30 * time.Minute)},
	} {
		if got := token(caller, c.body); got == nil || !got.Equal(c.want) {
			t.Errorf("%s with a token ending %s: expires %v, want %s", c.name, end, got, c.want)
		}
	}
	var cert made
	env.MustDo(t, caller, "POST", "/api/v1/client-certs", map[string]any{"validity_days": 30}, 201).JSON(t, &cert)
	if cert.NotAfter.After(end) || cert.NotAfter.Before(end.Add(-time.Minute)) {
		t.Errorf("a client certificate made with a token ending %s ends %s", end, cert.NotAfter)
	}

	// A Lead's expiring token: the same for another user's credentials.
	var leadShort struct{ Secret string }
	env.MustDo(t, env.Lead, "POST", "/api/v1/tokens", map[string]any{"name": "short", "expires_in": "2h"}, 201).JSON(t, &leadShort)
	lead := &servertest.User{User: env.Lead.User, Token: leadShort.Secret, Cert: env.Lead.Cert, Client: env.Lead.Client}
	if got := token(lead, map[string]any{"user": "otto", "name": "from a lead"}); got == nil || got.After(time.Now().Add(2*time.Hour)) {
		t.Errorf("a token the Lead's 2h token made for another user expires %v", got)
	}
	env.MustDo(t, lead, "POST", "/api/v1/client-certs", map[string]any{"user": "otto"}, 201).JSON(t, &cert)
	if cert.NotAfter.After(time.Now().Add(2 * time.Hour)) {
		t.Errorf("a certificate the Lead's 2h token made for another user ends %s", cert.NotAfter)
	}

	// No cap without an expiring token: one without expiry, a web session.
	if got := token(dev, map[string]any{"name": "unbounded"}); got != nil {
		t.Errorf("a token made with a token without expiry expires %v", got)
	}
	_, s := signIn(t, env, map[string]any{"name": "otto", "password": testPassword})
	var m made
	a := s.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "from the console"})
	a.mustStatus(t, "a token from a web session", 201)
	a.JSON(t, &m)
	if m.ExpiresAt != nil {
		t.Errorf("a token made in a web session expires %v (the session's end?)", m.ExpiresAt)
	}
}
