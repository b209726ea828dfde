package auth

import (
	"context"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

// dummyHash is verified against when a user has no password, so that a
// sign-in takes as long whether or not the user exists.
var dummyHash = sync.OnceValue(func() string { return HashPassword("signet: no such user", DefaultArgon2) })

func checkPassword(pw string) error {
	if n := len([]rune(pw)); n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return errs.BadRequest("weak_password", "a password needs %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// slots returns the semaphore of password hashes.
func (s *Service) slots() chan struct{} {
	s.hashOnce.Do(func() { s.hashing = make(chan struct{}, MaxConcurrentHashes) })
	return s.hashing
}

// acquire takes a slot to hash a password (at most MaxConcurrentHashes at
// once), waiting at most HashWait behind at most MaxHashWaiters others.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	slots := s.slots()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	default:
	}
	busy := errs.Unavailable("busy", "too many password checks at once: retry in a few seconds")
	if s.waiting.Add(1) > MaxHashWaiters {
		s.waiting.Add(-1)
		return nil, busy
	}
	defer s.waiting.Add(-1)
	wait := s.HashWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, busy
	case <-timer.C:
		return nil, busy
	}
}

// hash hashes a new password under the service's parameters.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(pw, s.argon2()), nil
}

// verify checks pw against the stored hash (or a dummy when there is
// none), in constant time, within the hashing bound.
func (s *Service) verify(ctx context.Context, pw, phc string) (ok, weaker bool, err error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	if phc == "" {
		_, _, _ = VerifyPassword(pw, dummyHash(), DefaultArgon2)
		return false, false, nil
	}
	ok, weaker, err = VerifyPassword(pw, phc, s.argon2())
	if err != nil {
		return false, false, errs.Internal(err)
	}
	return ok, weaker, nil
}

// PasswordRequest changes a password. Current is required to change one's
// own; a user manager sets another user's without it.
type PasswordRequest struct {
	Current  string `json:"current,omitempty"`
	Password string `json:"password"`
	// Session is the secret of the web console session the request was
	// made with, if it was (set by the handler, never read from the
	// body): a change of one's own password keeps that session.
	Session string `json:"-"`
}

// SetPassword sets a standard user's password: one's own (giving the
// current one, which counts toward lockout when wrong), or anyone's with
// user.manage. It clears any lockout and ends the user's web console
// sessions, in the same transaction, but the one a user changed their own
// password from: whoever held another session (a stolen cookie, a
// forgotten browser) has to sign in with the new password. API tokens and
// client certificates stay: they are managed apart.
func (s *Service) SetPassword(ctx context.Context, p policy.Principal, ref string, r PasswordRequest) error {
	u, err := s.user(ctx, ref)
	if err != nil {
		return err
	}
	t := userTarget("Password", u)
	if u.ID != p.UserID { // a password opens a web session, which issues client certificates
		if err := s.actOn(ctx, p, u, policy.Request{IssuesSecondFactor: true}, t); err != nil {
			return err
		}
	}
	if u.Type == UserService {
		return errs.BadRequest("invalid_password", "service users sign in with API tokens only: they have no password")
	}
	if err := checkPassword(r.Password); err != nil {
		return err
	}
	var keep []byte
	if u.ID == p.UserID {
		if err := s.checkOwnPassword(ctx, u, r.Current); err != nil {
			return err
		}
		if r.Session != "" {
			keep = HashToken(r.Session)
		}
	}
	hash, err := s.hash(ctx, r.Password)
	if err != nil {
		return err
	}
	return storeErr(s.Store.ChangePassword(ctx, u.ID, hash, keep, s.now(), s.event(ctx, p, t)), "user "+u.Name)
}

// checkOwnPassword verifies a user's current password as sign-in does.
func (s *Service) checkOwnPassword(ctx context.Context, u *User, current string) error {
	l, err := s.Store.GetLogin(ctx, u.ID)
	if err != nil {
		return errs.Internal(err)
	}
	a, err := s.begin(ctx, u, forPassword)
	if err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, current, l.PasswordHash)
	if err != nil {
		s.release(ctx, u, l, a)
		return err
	}
	if !ok {
		return s.failed(ctx, u, a, "wrong current password")
	}
	return s.passed(ctx, u, l, a, forPassword)
}

// Unlock clears a user's failed sign-ins and lockout (user.manage).
func (s *Service) Unlock(ctx context.Context, p policy.Principal, ref string) error {
	u, err := s.user(ctx, ref)
	if err != nil {
		return err
	}
	t := userTarget("Unlock", u)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return err
	}
	return storeErr(s.Store.UnlockLogin(ctx, u.ID, s.event(ctx, p, t)), "user "+u.Name)
}

// ResetTOTP removes a user's TOTP and recovery codes, for a lost device
// (user.manage), and ends the user's web console sessions (a Lead's own
// included) in the same transaction: one opened with the lost device
// ends. The user enrols again at the next sign-in.
func (s *Service) ResetTOTP(ctx context.Context, p policy.Principal, ref string) error {
	u, err := s.user(ctx, ref)
	if err != nil {
		return err
	}
	t := userTarget("Reset-2FA", u)
	// Whoever knows the password enrols anew: like setting it, this leads
	// to a web session, which issues client certificates.
	if err := s.actOn(ctx, p, u, policy.Request{IssuesSecondFactor: true}, t); err != nil {
		return err
	}
	return storeErr(s.Store.SetTOTP(ctx, u.ID, nil, s.event(ctx, p, t)), "user "+u.Name)
}
