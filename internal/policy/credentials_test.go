package policy

import (
	"strings"
	"testing"
	"time"
)

// TestIssueSecondFactor: a client certificate, the second factor, is made
// only by a caller who has it already or who signed in to the web console;
// an API token alone makes none, for anyone. Other credentials (tokens)
// need the first factor only.
func TestIssueSecondFactor(t *testing.T) {
	dev := Principal{UserID: "d", Name: "dev", Roles: []string{RoleDeveloper}}
	lead := Principal{UserID: "l", Name: "lead", Roles: []string{RoleLead}}
	bot := Principal{UserID: "b", Name: "bot", Roles: []string{RoleBuildEngineer}, Service: true, SecondFactor: true}
	with := func(p Principal, secondFactor, session bool) Principal {
		p.SecondFactor, p.WebSession = secondFactor, session
		return p
	}
	own := Request{Action: CredentialsManageOwn, IssuesSecondFactor: true}
	another := Request{Action: UserManage, IssuesSecondFactor: true}
	tests := []struct {
		name string
		p    Principal
		req  Request
		code string
	}{
		{"own, token alone", dev, own, "second_factor_required"},
		{"own, token and client certificate", with(dev, true, false), own, ""},
		{"own, web session", with(dev, false, true), own, ""},
		{"own token, token alone", dev, Request{Action: CredentialsManageOwn}, ""},
		{"lead for another, token alone", lead, another, "second_factor_required"},
		{"lead for another, token and client certificate", with(lead, true, false), another, ""},
		{"lead for another, web session", with(lead, false, true), another, ""},
		{"lead, a token for another, token alone", lead, Request{Action: UserManage}, ""},
		{"developer for another, both factors", with(dev, true, false), another, "permission_denied"},
		{"service user, both factors", bot, own, "service_user_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(tt.p, tt.req, now)
			if got := code(tt.p, tt.req); got != tt.code {
				t.Fatalf("got %q, want %q (%s)", got, tt.code, d.Reason)
			}
			if tt.code == "second_factor_required" && (!strings.Contains(d.Reason, "client certificate") || !strings.Contains(d.Reason, "web console")) {
				t.Fatalf("the denial does not say how to get the factor: %q", d.Reason)
			}
		})
	}
}

// TestCredentialExpiry: what a token makes expires with it at the latest;
// a web session or a token without expiry leaves the asked expiry alone.
func TestCredentialExpiry(t *testing.T) {
	tokenEnd := now.Add(time.Minute)
	before, after := now.Add(30*time.Second), now.Add(time.Hour)
	tests := []struct {
		name       string
		tokenEnd   time.Time
		want, got  time.Time
		wantCapped bool
	}{
		{"no expiry asked, token without expiry", time.Time{}, time.Time{}, time.Time{}, false},
		{"expiry asked, token without expiry", time.Time{}, after, after, false},
		{"no expiry asked, expiring token", tokenEnd, time.Time{}, tokenEnd, true},
		{"asked before the token ends", tokenEnd, before, before, false},
		{"asked when the token ends", tokenEnd, tokenEnd, tokenEnd, false},
		{"asked after the token ends", tokenEnd, after, tokenEnd, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Principal{UserID: "u", Name: "u", TokenExpiresAt: tt.tokenEnd}
			got, capped := CredentialExpiry(p, tt.want)
			if !got.Equal(tt.got) || capped != tt.wantCapped {
				t.Fatalf("got %v capped %v, want %v capped %v", got, capped, tt.got, tt.wantCapped)
			}
		})
	}
}
