package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
		a, err := s.BeginLogin(ctx, "u-alice", 3, at(i), at(900))
		must(t, err)
		if a.Refused() || a.Lock.IsZero() != (i < 3) {
			t.Fatalf("attempt %d: %+v", i, a)
		}
	}
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.Failures != 3 || !l.LockedUntil.Equal(at(900)) || l.PasswordHash == "" {
		t.Fatalf("after 3 failures: %+v", l)
	}
	must(t, s.UnlockLogin(ctx, "u-alice", event(5, "Unlock", "u-alice")))
	l, err = s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.Failures != 0 || !l.LockedUntil.IsZero() {
		t.Fatalf("after an unlock: %+v", l)
	}
	wantErr(t, "UnlockLogin(no user)", s.UnlockLogin(ctx, "u-nobody", nil), errNotFound)

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

// testLoginAttempts: attempts are counted before their check; the max-th
// locks at once; a lock refuses attempts until it expires, and an expired
// one starts a fresh count; an attempt that did not fail ends only while
// the password is the one checked and no other attempt's lock is in force.
func testLoginAttempts(t *testing.T, s server.Store) {
	ctx := t.Context()
	const hash, other = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$b3RoZXI"
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	must(t, s.SetPassword(ctx, "u-alice", hash, nil))
	begin := func(now int) auth.LoginAttempt {
		t.Helper()
		a, err := s.BeginLogin(ctx, "u-alice", 3, at(now), at(now+900))
		must(t, err)
		return a
	}
	state := func(what string, failures int, locked time.Time) {
		t.Helper()
		l, err := s.GetLogin(ctx, "u-alice")
		must(t, err)
		if l.Failures != failures || !l.LockedUntil.Equal(locked) {
			t.Fatalf("%s: failures %d, locked until %v; want %d, %v", what, l.Failures, l.LockedUntil, failures, locked)
		}
	}
	end := func(a auth.LoginAttempt, now int, signIn bool) bool {
		t.Helper()
		ok, err := s.EndLogin(ctx, "u-alice", auth.LoginEnd{Attempt: a, PasswordHash: hash, At: at(now), SignIn: signIn}, nil)
		must(t, err)
		return ok
	}

	for i := 1; i <= 2; i++ {
		if a := begin(i); a.Refused() || !a.Lock.IsZero() {
			t.Fatalf("attempt %d: %+v", i, a)
		}
	}
	state("two attempts, in flight or failed", 2, time.Time{})
	third := begin(3)
	if third.Refused() || !third.Lock.Equal(at(903)) {
		t.Fatalf("the third (last allowed) attempt: %+v, want counted and locking until %v", third, at(903))
	}
	state("the third attempt locks at once", 3, at(903))
	if a := begin(4); !a.Refused() || !a.LockedUntil.Equal(at(903)) {
		t.Fatalf("an attempt while locked: %+v", a)
	}
	state("a refused attempt is not counted", 3, at(903))

	// The locking attempt passes: it lifts its own lock, and only its count.
	if !end(third, 5, false) {
		t.Fatal("the locking attempt cannot end")
	}
	state("after the locking attempt passed", 2, time.Time{})
	begin(6)
	state("locked again by the next third attempt", 3, at(906))
	if ok := end(auth.LoginAttempt{}, 7, true); ok {
		t.Fatal("an attempt that did not start the lock signed in while it was in force")
	}
	state("a refused end changes nothing", 3, at(906))

	// Re-lock after expiry: an expired lock starts a fresh count.
	if a := begin(906); a.Refused() || !a.Lock.IsZero() {
		t.Fatalf("the first attempt after the lock expired: %+v", a)
	}
	state("a fresh count after the lock expired", 1, time.Time{})
	begin(907)
	state("the second attempt of the fresh count", 2, time.Time{})

	// A sign-in clears the count, rehashes and opens a session; never
	// after the password changed.
	a := begin(908)
	state("third attempt of the fresh count", 3, at(1808))
	exp := at(2000)
	sess := &auth.Token{ID: "t-session", UserID: "u-alice", Name: "web console", Prefix: "sgs_", Hash: hashOf("session"),
		Kind: auth.TokenSession, CreatedAt: at(908), ExpiresAt: &exp}
	stale := auth.LoginEnd{Attempt: a, PasswordHash: other, At: at(909), SignIn: true, Session: sess}
	if ok, err := s.EndLogin(ctx, "u-alice", stale, event(20, "Sign-in", "u-alice")); err != nil || ok {
		t.Fatalf("a sign-in checked against another password hash: %v %v", ok, err)
	}
	if _, err := s.TokenByHash(ctx, hashOf("session")); !errors.Is(err, errNotFound) {
		t.Fatalf("a refused sign-in left its session: %v", err)
	}
	before := auditCount(t, s)
	good := auth.LoginEnd{Attempt: a, PasswordHash: hash, Rehash: other, At: at(909), SignIn: true, Session: sess}
	if ok, err := s.EndLogin(ctx, "u-alice", good, event(21, "Sign-in", "u-alice")); err != nil || !ok {
		t.Fatalf("sign-in: %v %v", ok, err)
	}
	state("after a sign-in", 0, time.Time{})
	if got := auditCount(t, s); got != before+1 {
		t.Fatalf("the sign-in was audited %d times", got-before)
	}
	tok, err := s.TokenByHash(ctx, hashOf("session"))
	must(t, err)
	if tok.Kind != auth.TokenSession || tok.UserID != "u-alice" {
		t.Fatalf("session: %+v", tok)
	}
	l, err := s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.PasswordHash != other {
		t.Fatalf("password not rehashed: %q", l.PasswordHash)
	}

	_, err = s.BeginLogin(ctx, "u-nobody", 3, at(1), at(900))
	wantErr(t, "BeginLogin(no user)", err, errNotFound)
	if ok, err := s.EndLogin(ctx, "u-nobody", auth.LoginEnd{At: at(1)}, nil); ok || err != nil {
		t.Fatalf("EndLogin(no user): %v %v", ok, err)
	}
}

// testLoginAttemptsConcurrent: a burst of attempts (from any number of
// nodes) has exactly max of them counted, and one lock, whether or not the
// user had a sign-in state before.
func testLoginAttemptsConcurrent(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	must(t, s.SetPassword(ctx, "u-alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", nil))
	must(t, s.CreateUser(ctx, newUser("u-bob", "bob"), nil)) // no sign-in state yet
	for _, user := range []string{"u-alice", "u-bob"} {
		var counted, locks, refused atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				a, err := s.BeginLogin(ctx, user, 5, at(1), at(900))
				switch {
				case err != nil:
					t.Error(err)
				case a.Refused():
					refused.Add(1)
				default:
					counted.Add(1)
					if !a.Lock.IsZero() {
						locks.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if counted.Load() != 5 || refused.Load() != 11 || locks.Load() != 1 {
			t.Fatalf("%s: 16 attempts at once with at most 5: %d counted, %d refused, %d locked", user, counted.Load(), refused.Load(), locks.Load())
		}
	}
}

// testLoginChangesEndSessions: setting a password and removing TOTP revoke
// the user's web console sessions in the same transaction (but the one a
// password change keeps); API tokens, a pending TOTP secret and other
// users' sessions are left alone.
func testLoginChangesEndSessions(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	must(t, s.CreateUser(ctx, newUser("u-bob", "bob"), nil))
	n := 0
	token := func(user, kind string) string {
		t.Helper()
		n++
		name := fmt.Sprintf("%s-%s-%d", user, kind, n)
		must(t, s.CreateToken(ctx, &auth.Token{ID: name, UserID: user, Name: name, Prefix: "sgs_", Hash: hashOf(name),
			Kind: kind, CreatedAt: at(1)}, nil))
		return name
	}
	revoked := func(what, name string, want *time.Time) {
		t.Helper()
		tok, err := s.TokenByHash(ctx, hashOf(name))
		must(t, err)
		if (tok.RevokedAt == nil) != (want == nil) || (want != nil && !tok.RevokedAt.Equal(*want)) {
			t.Fatalf("%s: token %s revoked at %v, want %v", what, name, tok.RevokedAt, want)
		}
	}
	s1, s2, api, bob := token("u-alice", auth.TokenSession), token("u-alice", auth.TokenSession),
		token("u-alice", auth.TokenAPI), token("u-bob", auth.TokenSession)

	must(t, s.SetPassword(ctx, "u-alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$b25l", event(10, "Password", "u-alice")))
	revoked("a password set", s1, ptr(at(10)))
	revoked("a password set", s2, ptr(at(10)))
	revoked("a password set: API token", api, nil)
	revoked("a password set: another user's session", bob, nil)

	s3, s4 := token("u-alice", auth.TokenSession), token("u-alice", auth.TokenSession)
	must(t, s.ChangePassword(ctx, "u-alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$dHdv", hashOf(s3), at(11), event(11, "Password", "u-alice")))
	revoked("one's own change: the session kept", s3, nil)
	revoked("one's own change: another session", s4, ptr(at(11)))
	revoked("a later change does not move an earlier revocation", s1, ptr(at(10)))
	l, err := s.GetLogin(ctx, "u-alice")
	must(t, err)
	if l.PasswordHash != "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$dHdv" {
		t.Fatalf("ChangePassword stored %q", l.PasswordHash)
	}
	err = s.ChangePassword(ctx, "u-nobody", "x", nil, at(11), nil)
	wantErr(t, "ChangePassword(no user)", err, errNotFound)

	must(t, s.SetTOTP(ctx, "u-alice", []byte("sealed"), event(12, "Begin-2FA", "u-alice")))
	revoked("a TOTP enrolment begun", s3, nil)
	must(t, s.SetTOTP(ctx, "u-alice", nil, event(13, "Reset-2FA", "u-alice")))
	revoked("TOTP removed", s3, ptr(at(13)))
	revoked("TOTP removed: API token", api, nil)
	revoked("TOTP removed: another user's session", bob, nil)
}
