package auth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlite"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// fast are weak argon2 parameters: these tests are about counting checks.
var fast = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const (
	password = "correct horse battery staple"
	wrongPW  = "not the password at all"
	maxTries = 3
	lockFor  = 15 * time.Minute
)

// fixture is an identity service on a real store, with a clock the test
// moves, and a user alice with a password.
type fixture struct {
	svc   *auth.Service
	st    *sqlstore.DB
	alice *auth.User
	clock atomic.Int64 // offset from base, ns
}

var base = time.Unix(1_800_000_010, 0).UTC() // 10 s into a TOTP step

func (f *fixture) now() time.Time { return base.Add(time.Duration(f.clock.Load())) }

func (f *fixture) advance(d time.Duration) { f.clock.Add(int64(d)) }

// eachStore runs fn on a fresh SQLite store and a fresh PostgreSQL database.
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	open := map[string]func(t *testing.T) (*sqlstore.DB, error){
		"sqlite": func(t *testing.T) (*sqlstore.DB, error) {
			return sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signet.db"))
		},
		"postgres": func(t *testing.T) (*sqlstore.DB, error) { return postgres.Open(context.Background(), pgtest.DSN(t)) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			st, err := open[name](t)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			j := journal.New(st)
			t.Cleanup(j.Close)
			f := &fixture{st: st}
			f.svc = &auth.Service{Store: st, Guard: &guard.Guard{Journal: j, Now: f.now}, Argon2: fast,
				MaxFailures: maxTries, LockFor: lockFor}
			f.alice = f.user(t, "alice", auth.UserStandard, password)
			fn(t, f)
		})
	}
}

// user makes a user, with a password unless pw is "".
func (f *fixture) user(t *testing.T, name, typ, pw string) *auth.User {
	t.Helper()
	ctx := context.Background()
	u := &auth.User{ID: "u-" + name, Name: name, Type: typ, Roles: []string{}, Groups: []string{}, CreatedAt: f.now()}
	if err := f.st.CreateUser(ctx, u, nil); err != nil {
		t.Fatal(err)
	}
	if pw != "" {
		if err := f.st.SetPassword(ctx, u.ID, auth.HashPassword(pw, fast), nil); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// enrolTOTP gives u a confirmed TOTP secret (unsealed: no keyring) and
// the recovery codes.
func (f *fixture) enrolTOTP(t *testing.T, u *auth.User, recovery ...string) string {
	t.Helper()
	secret, _, err := auth.NewTOTP("Signet", u.Name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.st.SetTOTP(ctx, u.ID, []byte(secret), nil); err != nil {
		t.Fatal(err)
	}
	var hashes [][]byte
	for _, c := range recovery {
		hashes = append(hashes, auth.HashRecoveryCode(c))
	}
	if ok, err := f.st.ConfirmTOTP(ctx, u.ID, 1, hashes, nil); err != nil || !ok {
		t.Fatalf("confirming TOTP: %v %v", ok, err)
	}
	return secret
}

// wrongCode returns a code that matches no step of the window.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	for i := 0; i < 1_000_000; i++ {
		c := fmt.Sprintf("%06d", i)
		if _, ok := auth.MatchTOTP(secret, c, now); !ok {
			return c
		}
	}
	t.Fatal("every code matches")
	return ""
}

// code returns the error code of err ("" for nil).
func code(err error) string {
	if err == nil {
		return ""
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		return "untyped: " + err.Error()
	}
	return e.Code
}

// login reads alice's sign-in state.
func (f *fixture) login(t *testing.T) *auth.Login {
	t.Helper()
	l, err := f.st.GetLogin(context.Background(), f.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// waitFailures waits (a little) until alice has n attempts counted. Before
// a check, the count is all there is to see of an attempt.
func (f *fixture) waitFailures(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if f.login(t).Failures >= n {
			return
		}
	}
	t.Logf("%d attempts never showed as counted before their check", n)
}

// denied returns alice's denied audit records by reason.
func (f *fixture) denied(t *testing.T) map[string]int {
	t.Helper()
	evs, err := f.st.ListAudit(context.Background(), audit.Filter{Result: audit.Denied, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range evs {
		out[e.Reason]++
	}
	return out
}

// checks counts the checks of a password or code that failed, by their
// audit records.
func checks(reasons map[string]int) int {
	n := 0
	for r, c := range reasons {
		if strings.HasPrefix(r, "wrong") {
			n += c
		}
	}
	return n
}

// An attempt is one check of alice's password (or code) through one of the
// operations that count toward lockout; right says whether it is correct.
type attempt func(f *fixture, right bool) error

func attempts(t *testing.T) map[string]attempt {
	self := policy.Principal{UserID: "u-alice", Name: "alice"}
	return map[string]attempt{
		"sign-in": func(f *fixture, right bool) error {
			pw := map[bool]string{true: password, false: wrongPW}[right]
			_, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: pw})
			return err
		},
		"sign-in TOTP code": func(f *fixture, right bool) error {
			secret := string(f.login(t).TOTPSecret)
			c := wrongCode(t, secret, f.now())
			if right {
				c, _ = auth.TOTPCode(secret, f.now())
			}
			_, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: password, Code: c})
			return err
		},
		"TOTP enrolment": func(f *fixture, right bool) error {
			pw := map[bool]string{true: password, false: wrongPW}[right]
			_, err := f.svc.BeginTOTP(context.Background(), "alice", pw)
			return err
		},
		"password change": func(f *fixture, right bool) error {
			pw := map[bool]string{true: password, false: wrongPW}[right]
			return f.svc.SetPassword(context.Background(), self, "alice", auth.PasswordRequest{Current: pw, Password: "a brand new passphrase"})
		},
	}
}

// TestLockoutBurst: parallel guesses wait for a hashing slot; no more than
// the allowed number is ever checked, and a right guess sent once they
// are spent is refused without a check, leaving alice locked.
func TestLockoutBurst(t *testing.T) {
	for name, try := range attempts(t) {
		t.Run(name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, f *fixture) {
				if name == "sign-in TOTP code" {
					f.enrolTOTP(t, f.alice)
				}
				release := auth.HoldHashing(f.svc)
				var wg sync.WaitGroup
				errc := make(chan error, 16)
				guess := func(right bool) {
					wg.Go(func() { errc <- try(f, right) })
				}
				for range maxTries {
					guess(false)
				}
				f.waitFailures(t, maxTries)
				for range 5 {
					guess(false)
				}
				rightErr := make(chan error, 1)
				wg.Go(func() { rightErr <- try(f, true) })
				time.Sleep(50 * time.Millisecond) // every attempt reached its check, or its refusal
				release()
				wg.Wait()
				close(errc)
				if err := <-rightErr; code(err) != "account_locked" {
					t.Fatalf("the right guess after %d wrong ones: %v, want account_locked", maxTries, err)
				}
				answers := map[string]int{}
				for err := range errc {
					answers[code(err)]++
				}
				if n := checks(f.denied(t)); n != maxTries {
					t.Errorf("%d guesses checked, want %d (answers %v)", n, maxTries, answers)
				}
				if l := f.login(t); !f.now().Before(l.LockedUntil) {
					t.Errorf("alice is not locked after the burst: %+v", l)
				}
				if err := try(f, true); code(err) != "account_locked" {
					t.Errorf("the right guess after the burst: %v, want account_locked", err)
				}
			})
		})
	}
}

// TestLockoutDuringCheck: a right password whose check was waiting while
// other guesses used up the attempts does not sign in, nor unlock.
func TestLockoutDuringCheck(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		release := auth.HoldHashing(f.svc)
		var wg sync.WaitGroup
		var right error
		wg.Go(func() {
			_, right = f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: password})
		})
		f.waitFailures(t, 1)
		for range maxTries - 1 {
			wg.Go(func() {
				_, _ = f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: wrongPW})
			})
		}
		f.waitFailures(t, maxTries)
		time.Sleep(20 * time.Millisecond)
		release()
		wg.Wait()
		if code(right) != "account_locked" {
			t.Fatalf("a right password checked while the attempts ran out: %v, want account_locked", right)
		}
		if l := f.login(t); !f.now().Before(l.LockedUntil) {
			t.Fatalf("alice was unlocked: %+v", l)
		}
	})
}

// TestPasswordChangedDuringCheck: a sign-in with the old password, checked
// while a Lead set a new one, opens no session.
func TestPasswordChangedDuringCheck(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		release := auth.HoldHashing(f.svc)
		done := make(chan error, 1)
		go func() {
			_, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: password})
			done <- err
		}()
		f.waitFailures(t, 1)
		time.Sleep(20 * time.Millisecond)
		if err := f.st.SetPassword(context.Background(), f.alice.ID, auth.HashPassword("a new passphrase, set by a Lead", fast), nil); err != nil {
			t.Fatal(err)
		}
		release()
		if err := <-done; code(err) != "sign_in_failed" {
			t.Fatalf("sign-in with the password replaced during its check: %v, want sign_in_failed", err)
		}
	})
}

// TestLockExpiry: once a lock has expired, the count starts again: one
// wrong password does not lock alice again, and the right one signs in.
func TestLockExpiry(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		wrong := auth.SignInRequest{Name: "alice", Password: wrongPW}
		for i := 1; i <= maxTries; i++ {
			_, err := f.svc.SignIn(ctx, wrong)
			if want := map[bool]string{true: "account_locked", false: "sign_in_failed"}[i == maxTries]; code(err) != want {
				t.Fatalf("failure %d: %v, want %s", i, err, want)
			}
		}
		if _, err := f.svc.SignIn(ctx, auth.SignInRequest{Name: "alice", Password: password}); code(err) != "account_locked" {
			t.Fatalf("the right password while locked: %v", err)
		}
		f.advance(lockFor + time.Second)
		if _, err := f.svc.SignIn(ctx, wrong); code(err) != "sign_in_failed" {
			t.Fatalf("one wrong password after the lock expired: %v, want sign_in_failed (a fresh count)", err)
		}
		if s, err := f.svc.SignIn(ctx, auth.SignInRequest{Name: "alice", Password: password}); err != nil || s.Secret == "" {
			t.Fatalf("the right password after the lock expired: %v", err)
		}
		if l := f.login(t); l.Failures != 0 || !l.LockedUntil.IsZero() {
			t.Fatalf("after a sign-in: %+v", l)
		}
	})
}

// TestSignInAudit: the refusals of a locked user (sign-in, TOTP enrolment,
// password change), a TOTP enrolment for an unknown name, a disabled or
// service user with the right password, and the second factor of a
// sign-in, recovery codes apart, are all in the audit log, and no secret
// or typed name is.
func TestSignInAudit(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		expect := func(what string, err error, want string) {
			t.Helper()
			if code(err) != want {
				t.Fatalf("%s: %v, want %s", what, err, want)
			}
		}
		for range maxTries {
			_, err := f.svc.SignIn(ctx, auth.SignInRequest{Name: "alice", Password: wrongPW})
			expect("a wrong password", err, map[bool]string{true: "sign_in_failed", false: "account_locked"}[f.login(t).LockedUntil.IsZero()])
		}
		_, err := f.svc.SignIn(ctx, auth.SignInRequest{Name: "alice", Password: password})
		expect("sign-in while locked", err, "account_locked")
		_, err = f.svc.BeginTOTP(ctx, "alice", password)
		expect("TOTP enrolment while locked", err, "account_locked")
		err = f.svc.SetPassword(ctx, policy.Principal{UserID: f.alice.ID, Name: "alice"}, "alice",
			auth.PasswordRequest{Current: password, Password: "a brand new passphrase"})
		expect("password change while locked", err, "account_locked")
		_, err = f.svc.BeginTOTP(ctx, "nobody-"+wrongPW, wrongPW)
		expect("TOTP enrolment, unknown name", err, "sign_in_failed")

		dora := f.user(t, "dora", auth.UserStandard, password)
		if err := f.st.SetUserDisabled(ctx, dora.ID, true, f.now(), nil); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SignIn(ctx, auth.SignInRequest{Name: "dora", Password: password})
		expect("a disabled user, right password", err, "user_disabled")
		_, err = f.svc.BeginTOTP(ctx, "dora", password)
		expect("a disabled user's TOTP enrolment, right password", err, "totp_not_allowed")
		f.user(t, "bot", auth.UserService, password) // made behind the service's back
		_, err = f.svc.SignIn(ctx, auth.SignInRequest{Name: "bot", Password: password})
		expect("a service user, right password", err, "service_user")

		const recovery = "abcd-efgh-jkmn-pqrs"
		rita := f.user(t, "rita", auth.UserStandard, password)
		secret := f.enrolTOTP(t, rita, recovery)
		_, err = f.svc.SignIn(ctx, auth.SignInRequest{Name: "rita", Password: password, RecoveryCode: recovery})
		expect("a sign-in with a recovery code", err, "")
		totp, _ := auth.TOTPCode(secret, f.now())
		_, err = f.svc.SignIn(ctx, auth.SignInRequest{Name: "rita", Password: password, Code: totp})
		expect("a sign-in with a TOTP code", err, "")

		evs, err := f.st.ListAudit(ctx, audit.Filter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range evs {
			if e.Type != "User" {
				continue
			}
			key := fmt.Sprintf("%s %s %s: %s %v", e.ResourceName, e.Action, e.Result, e.Reason, e.Details)
			got[key]++
			for _, secret := range []string{password, wrongPW, recovery, secret, totp} {
				if strings.Contains(fmt.Sprintf("%+v", *e), secret) {
					t.Errorf("audit record %q holds a secret", key)
				}
			}
		}
		for _, want := range []string{
			"alice Sign-in denied: account locked map[]",
			"alice Sign-in denied: account locked (TOTP enrolment) map[]",
			"alice Sign-in denied: account locked (password change) map[]",
			" Sign-in denied: no such user (TOTP enrolment) map[]",
			"dora Sign-in denied: user dora is disabled map[]",
			"dora Begin-2FA denied: TOTP is for enabled standard users map[]",
			"bot Sign-in denied: service users use API tokens: they cannot sign in to the web console map[]",
			"rita Sign-in allowed: with a recovery code map[second_factor:recovery_code]",
			"rita Sign-in allowed:  map[second_factor:totp]",
		} {
			if got[want] != 1 {
				t.Errorf("audit record %q: %d, want 1", want, got[want])
			}
		}
		if t.Failed() {
			t.Logf("audit records: %v", got)
		}
	})
}

// TestHashingQueueBounded: sign-ins need no credentials, so a flood of them
// must not queue without bound for the two hashing slots: past
// MaxHashWaiters waiting checks the next is refused at once, and a waiting
// check gives up after HashWait; both answer 503 busy.
func TestHashingQueueBounded(t *testing.T) {
	eachStore(t, func(t *testing.T, f *fixture) {
		f.svc.HashWait = time.Minute
		release := auth.HoldHashing(f.svc)
		var wg sync.WaitGroup
		errc := make(chan error, auth.MaxHashWaiters)
		for i := range auth.MaxHashWaiters {
			wg.Go(func() {
				_, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: fmt.Sprint("nobody", i), Password: "guess"})
				errc <- err
			})
		}
		for deadline := time.Now().Add(10 * time.Second); auth.HashWaiters(f.svc) < auth.MaxHashWaiters; {
			if time.Now().After(deadline) {
				t.Fatalf("%d checks waiting, want %d", auth.HashWaiters(f.svc), auth.MaxHashWaiters)
			}
			time.Sleep(time.Millisecond)
		}
		start := time.Now()
		_, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "alice", Password: password})
		if e := (*errs.Error)(nil); code(err) != "busy" || !errors.As(err, &e) || e.Status != 503 {
			t.Fatalf("a check past the queue: %v, want 503 busy", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("refused after %v, not at once", d)
		}
		// An unknown name answers as a known one does: busy, not a refusal
		// that would tell the name apart (and no audit record to flood).
		if _, err := f.svc.SignIn(context.Background(), auth.SignInRequest{Name: "nobody-else", Password: "guess"}); code(err) != "busy" {
			t.Fatalf("an unknown name past the queue: %v, want busy", err)
		}
		if _, err := f.svc.BeginTOTP(context.Background(), "nobody-else", "guess"); code(err) != "busy" {
			t.Fatalf("a TOTP enrolment of an unknown name past the queue: %v, want busy", err)
		}
		release()
		wg.Wait()
		close(errc)
		for err := range errc {
			if code(err) != "sign_in_failed" {
				t.Errorf("a waiting check of an unknown user: %v, want sign_in_failed", err)
			}
		}

		f.svc.HashWait = 20 * time.Millisecond
		release = auth.HoldHashing(f.svc)
		defer release()
		if err := attempts(t)["password change"](f, true); code(err) != "busy" {
			t.Fatalf("a check that waited longer than HashWait: %v, want busy", err)
		}
	})
}
