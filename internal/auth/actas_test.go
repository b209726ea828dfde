package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestUserManagerActsOnlyOnThoseItCovers: user.manage alone does not make
// its holder anyone. Acting on another user's credentials (tokens, client
// certificates), password or TOTP, or enabling them, needs every
// permission that user holds, account-wide and in teams, through groups
// too; putting someone in a group needs what the group carries. A Lead
// covers everyone; disabling needs user.manage only.
func TestUserManagerActsOnlyOnThoseItCovers(t *testing.T) {
	env := servertest.Start(t)
	ctx := context.Background()
	lead := env.Lead
	do := func(method, path string, body any, want int) { env.MustDo(t, lead, method, path, body, want) }
	do("POST", "/api/v1/roles", map[string]any{"name": "user-admin", "permissions": []string{"user.manage"}}, 201)
	do("PATCH", "/api/v1/settings", map[string]any{"teams_enabled": true}, 200)
	do("POST", "/api/v1/teams", map[string]any{"name": "blue"}, 201)
	for _, g := range []string{"ops", "readers"} {
		do("POST", "/api/v1/groups", map[string]any{"name": g}, 201)
	}
	do("PUT", "/api/v1/teams/blue/members", map[string]any{"kind": "group", "member": "ops", "roles": []string{"lead"}}, 200)
	for name, roles := range map[string][]string{"boss": {"lead"}, "devy": {"developer"}, "plain": {}, "grouped": {}, "helper": {"user-admin"}} {
		do("POST", "/api/v1/users", map[string]any{"name": name, "roles": roles, "password": "correct horse battery staple"}, 201)
	}
	do("PUT", "/api/v1/groups/ops/members/grouped", nil, 200)

	j := journal.New(env.Store)
	defer j.Close()
	svc := &auth.Service{Store: env.Store, Guard: &guard.Guard{Journal: j, Now: time.Now}, CA: env.CA}
	helper, err := env.Store.GetUser(ctx, "helper")
	if err != nil {
		t.Fatal(err)
	}
	grants, err := env.Store.UserGrants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ua := policy.Principal{UserID: helper.ID, Name: "helper", Roles: helper.Roles, Custom: grants[helper.ID].Custom,
		TeamsOn: true, SecondFactor: true}
	leadP := policy.Principal{UserID: lead.ID, Name: lead.Name, Roles: []string{"lead"}, TeamsOn: true, SecondFactor: true}

	actions := map[string]func(p policy.Principal, user string) error{
		"create a token": func(p policy.Principal, user string) error {
			_, _, err := svc.CreateToken(ctx, p, auth.TokenRequest{User: user, Name: "x"})
			return err
		},
		"issue a client certificate": func(p policy.Principal, user string) error {
			_, _, _, err := svc.IssueClientCert(ctx, p, auth.CertRequest{User: user, ValidityDays: 1})
			return err
		},
		"set the password": func(p policy.Principal, user string) error {
			return svc.SetPassword(ctx, p, user, auth.PasswordRequest{Current: "correct horse battery staple", Password: "another long passphrase"})
		},
		"reset TOTP": func(p policy.Principal, user string) error { return svc.ResetTOTP(ctx, p, user) },
		"enable": func(p policy.Principal, user string) error {
			_, err := svc.SetDisabled(ctx, p, user, false)
			return err
		},
	}
	// Listing and revoking another's credentials let nobody act as it: a
	// user manager may, to take a leaked credential away.
	for _, user := range []string{"boss", "devy", "grouped", "plain"} {
		if _, err := svc.ListTokens(ctx, ua, user); err != nil {
			t.Errorf("user manager: list tokens of %s: %v", user, err)
		}
		if _, err := svc.ListClientCerts(ctx, ua, user); err != nil {
			t.Errorf("user manager: list client certificates of %s: %v", user, err)
		}
	}
	for _, c := range []struct {
		user  string
		allow bool
	}{
		{"boss", false},    // a Lead
		{"devy", false},    // a Developer: keypair.generate, sign...
		{"grouped", false}, // a Lead in team blue, through group ops
		{"plain", true},    // holds nothing
		{"helper", true},   // itself
	} {
		for name, act := range actions {
			err := act(ua, c.user)
			if c.allow != (err == nil) {
				t.Errorf("user manager: %s of %s: %v, want allowed %v", name, c.user, err, c.allow)
			}
			if err != nil && (errs.As(err).Status != 403 || errs.As(err).Code != "permission_denied") {
				t.Errorf("user manager: %s of %s: %v, want 403 permission_denied", name, c.user, err)
			}
			if err := act(leadP, c.user); err != nil {
				t.Errorf("Lead: %s of %s: %v", name, c.user, err)
			}
		}
	}

	// Groups: joining ops gives a Lead's permissions in team blue.
	join := []struct {
		name string
		fn   func() error
	}{
		{"add to group ops", func() error { _, err := svc.SetGroupMember(ctx, ua, "ops", "plain", true); return err }},
		{"update with group ops", func() error {
			_, err := svc.UpdateUser(ctx, ua, "plain", auth.UserUpdate{Groups: &[]string{"ops"}})
			return err
		}},
		{"create in group ops", func() error {
			_, err := svc.CreateUser(ctx, ua, auth.UserRequest{Name: "newbie", Groups: []string{"ops"}})
			return err
		}},
	}
	for _, c := range join {
		if err := c.fn(); err == nil || errs.As(err).Code != "permission_denied" {
			t.Errorf("user manager: %s: %v, want permission_denied", c.name, err)
		}
	}
	if _, err := svc.UpdateUser(ctx, ua, "grouped", auth.UserUpdate{Email: ptr("g@example.com"), Groups: &[]string{"ops", "readers"}}); err != nil {
		t.Errorf("user manager: keeping a group it does not cover: %v", err)
	}
	if _, err := svc.SetGroupMember(ctx, ua, "readers", "boss", true); err != nil {
		t.Errorf("user manager: add a Lead to a group that carries nothing: %v", err)
	}
	if _, err := svc.SetGroupMember(ctx, leadP, "ops", "plain", true); err != nil {
		t.Errorf("Lead: add to group ops: %v", err)
	}

	// Disabling a user, which gives nothing, needs user.manage only.
	if _, err := svc.SetDisabled(ctx, ua, "boss", true); err != nil {
		t.Errorf("user manager disabling a Lead: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
