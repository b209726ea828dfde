package storetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server"
)

func testLogins(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	l, err := s.GetLogin(ctx, "u-alice")
	must(t, err)
	same(t, "no sign-in state yet", l, &auth.Login{UserID: "u-alice"})

	must(t, s.SetPassword(ctx, "u-alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", event(1, "Update", "u-alice")))
	for i := 1; i <= 3; i++ {
		locked, err := s.LoginFailed(ctx, "u-alice", 3, at(900), event(1+i, "Sign-in", "u-alice"))
		must(t, err)
		if locked != (i == 3) {
			t.Fatalf("failure %d: locked %v", i, locked)
		}
	}
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.Failures != 3 || !l.LockedUntil.Equal(at(900)) || l.PasswordHash == "" {
		t.Fatalf("after 3 failures: %+v", l)
	}
	must(t, s.LoginSucceeded(ctx, "u-alice", event(5, "Sign-in", "u-alice")))
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.Failures != 0 || !l.LockedUntil.IsZero() {
		t.Fatalf("after a success: %+v", l)
	}
	_, err = s.LoginFailed(ctx, "u-nobody", 3, at(900), nil)
	wantErr(t, "LoginFailed(no user)", err, errNotFound)

	// TOTP: pending, confirmed with a step, each later step once.
	must(t, s.SetTOTP(ctx, "u-alice", []byte("sealed"), event(6, "Update", "u-alice")))
	ok, err := s.UseTOTPStep(ctx, "u-alice", 10)
	must(t, err)
	if ok {
		t.Fatal("a pending (unconfirmed) secret accepted a code")
	}
	codes := [][]byte{hashOf("code-1"), hashOf("code-2")}
	ok, err = s.ConfirmTOTP(ctx, "u-alice", 100, codes, event(7, "Update", "u-alice"))
	must(t, err)
	if !ok {
		t.Fatal("ConfirmTOTP refused")
	}
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if !l.TOTPConfirmed || l.TOTPLastStep != 100 || string(l.TOTPSecret) != "sealed" {
		t.Fatalf("after confirmation: %+v", l)
	}
	for step, want := range map[int64]bool{100: false, 99: false} {
		if ok, err := s.UseTOTPStep(ctx, "u-alice", step); err != nil || ok != want {
			t.Fatalf("UseTOTPStep(%d) = %v, %v", step, ok, err)
		}
	}
	// Two nodes race with the same code: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ok, err := s.UseTOTPStep(ctx, "u-alice", 101); err == nil && ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("step 101 accepted %d times, want once", wins.Load())
	}
	for i, want := range []bool{true, false} {
		if ok, err := s.UseRecoveryCode(ctx, "u-alice", hashOf("code-1"), at(5)); err != nil || ok != want {
			t.Fatalf("recovery code, use %d: %v %v", i+1, ok, err)
		}
	}
	if ok, _ := s.UseRecoveryCode(ctx, "u-alice", hashOf("code-9"), at(5)); ok {
		t.Fatal("an unknown recovery code was accepted")
	}
	must(t, s.SetTOTP(ctx, "u-alice", nil, event(8, "Update", "u-alice")))
	if ok, _ := s.UseRecoveryCode(ctx, "u-alice", hashOf("code-2"), at(5)); ok {
		t.Fatal("a recovery code outlived its TOTP")
	}
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.TOTPConfirmed || l.TOTPSecret != nil {
		t.Fatalf("after removing TOTP: %+v", l)
	}
}

func testSettingsGroupsRoles(t *testing.T, s server.Store) {
	ctx := t.Context()
	set, err := s.Settings(ctx)
	must(t, err)
	same(t, "default settings", set, auth.Settings{})
	_, err = s.UpdateSettings(ctx, auth.SettingsUpdate{Require2FA: ptr(true)}, at(3), nil)
	must(t, err)
	set, err = s.Settings(ctx)
	must(t, err)
	same(t, "settings", set, auth.Settings{Require2FA: true, UpdatedAt: at(3)})

	must(t, s.CreateUser(ctx, &auth.User{ID: "u-a", Name: "a", Type: auth.UserStandard, Roles: []string{}, Groups: []string{"ops"}, CreatedAt: at(1)}, nil))
	must(t, s.CreateGroup(ctx, &auth.Group{Name: "ops", Description: "operations", CreatedAt: at(2)}, nil))
	must(t, s.CreateGroup(ctx, &auth.Group{Name: "dev", CreatedAt: at(2)}, nil))
	wantErr(t, "CreateGroup(taken)", s.CreateGroup(ctx, &auth.Group{Name: "ops", CreatedAt: at(2)}, nil), errConflict)
	groups, err := s.ListGroups(ctx)
	must(t, err)
	same(t, "groups", groups, []*auth.Group{
		{Name: "dev", Members: []string{}, CreatedAt: at(2)},
		{Name: "ops", Description: "operations", Members: []string{"a"}, CreatedAt: at(2)},
	})
	wantErr(t, "DeleteGroup(missing)", s.DeleteGroup(ctx, "nope", nil), errNotFound)
	wantErr(t, "CreateTeam(taken)", func() error {
		must(t, s.CreateTeam(ctx, &auth.Team{Name: "blue", CreatedAt: at(1)}, nil))
		return s.CreateTeam(ctx, &auth.Team{Name: "blue", CreatedAt: at(1)}, nil)
	}(), errConflict)
	teams, err := s.ListTeams(ctx)
	must(t, err)
	same(t, "teams", teams, []*auth.Team{{Name: "blue", Members: []auth.TeamMember{}, CreatedAt: at(1)}})
	roles, err := s.ListRoles(ctx)
	must(t, err)
	same(t, "no custom roles", len(roles), 0)
}
