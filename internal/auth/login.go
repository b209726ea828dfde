package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
)

// SignInRequest is a web console sign-in: password, and a TOTP code or a
// recovery code when the user has TOTP (or is finishing its enrolment).
type SignInRequest struct {
	Name         string `json:"name"`
	Password     string `json:"password"`
	Code         string `json:"code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

// SignIn is a session just opened.
type SignIn struct {
	User      *User
	Secret    string // for the cookie only
	CSRF      string
	ExpiresAt time.Time
	// RecoveryCodes are shown once, when this sign-in confirmed TOTP.
	RecoveryCodes []string
}

// errSignIn is the one answer to a wrong name, password or code, so that
// the answer does not tell which was wrong.
func errSignIn() error {
	return errs.Unauthorized("sign_in_failed", "sign-in failed: wrong name, password or code")
}

// who is the principal recorded for a user's own sign-in events.
func who(u *User) policy.Principal { return policy.Principal{UserID: u.ID, Name: u.Name} }

// notLocked refuses a locked user without checking anything else.
func (s *Service) notLocked(l *Login) error {
	if !l.LockedUntil.IsZero() && s.Guard.Now().Before(l.LockedUntil) {
		return errs.New(http.StatusTooManyRequests, "account_locked",
			"too many failed sign-ins: sign-in is locked until %s (a Lead can unlock it)", l.LockedUntil.UTC().Format(time.RFC3339))
	}
	return nil
}

// failed counts and audits a failed check of u's password or code.
func (s *Service) failed(ctx context.Context, u *User, reason string) error {
	max, lockFor := s.MaxFailures, s.LockFor
	if max == 0 {
		max = 5
	}
	if lockFor == 0 {
		lockFor = 15 * time.Minute
	}
	until := s.now().Add(lockFor)
	ev := s.Guard.Event(ctx, who(u), userTarget("Sign-in", u), audit.Denied, reason)
	locked, err := s.Store.LoginFailed(ctx, u.ID, max, until, ev)
	if err != nil {
		return errs.Internal(err)
	}
	if locked {
		return errs.New(http.StatusTooManyRequests, "account_locked",
			"too many failed sign-ins: sign-in is locked until %s (a Lead can unlock it)", until.Format(time.RFC3339))
	}
	return errSignIn()
}

// SignIn checks a standard user's password and second factor and opens a
// web console session. Wrong passwords and codes count toward lockout;
// a TOTP code is accepted once.
func (s *Service) SignIn(ctx context.Context, r SignInRequest) (*SignIn, error) {
	u, err := s.Store.GetUser(ctx, r.Name)
	if err != nil {
		_, _, _ = s.verify(ctx, r.Password, "") // as slow as a real check
		s.auditUnknown(ctx)
		return nil, errSignIn()
	}
	l, err := s.Store.GetLogin(ctx, u.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	if err := s.notLocked(l); err != nil {
		return nil, err
	}
	ok, weaker, err := s.verify(ctx, r.Password, l.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, s.failed(ctx, u, "wrong password")
	}
	switch {
	case u.Type == UserService:
		return nil, errs.Forbidden("service_user", "service users use API tokens: they cannot sign in to the web console")
	case u.Disabled:
		return nil, errs.Forbidden("user_disabled", "user %s is disabled", u.Name)
	}
	out := &SignIn{User: u}
	if err := s.secondFactor(ctx, u, l, r, out); err != nil {
		return nil, err
	}
	if weaker {
		_ = s.Store.SetPassword(ctx, u.ID, s.hash(r.Password), nil) // rehash under today's parameters
	}
	return out, s.openSession(ctx, u, out)
}

// auditUnknown records a sign-in attempt for a name no user has, without
// the name: people type passwords in the name field.
func (s *Service) auditUnknown(ctx context.Context) {
	_ = s.Guard.Deny(ctx, policy.Principal{}, guard.Target{Type: "User", Action: "Sign-in"}, errs.Unauthorized("sign_in_failed", "no such user"))
}

// secondFactor applies TOTP: a code (or recovery code) when enrolled; the
// first code confirms a pending enrolment; the account setting refuses a
// user without TOTP.
func (s *Service) secondFactor(ctx context.Context, u *User, l *Login, r SignInRequest, out *SignIn) error {
	set, err := s.Store.Settings(ctx)
	if err != nil {
		return errs.Internal(err)
	}
	switch {
	case l.TOTPConfirmed && r.Code == "" && r.RecoveryCode == "":
		return errs.Unauthorized("totp_required", "this account has two-factor authentication: send a TOTP code (or a recovery code)")
	case l.TOTPConfirmed && r.Code == "":
		ok, err := s.Store.UseRecoveryCode(ctx, u.ID, HashRecoveryCode(r.RecoveryCode), s.now())
		if err != nil {
			return errs.Internal(err)
		}
		if !ok {
			return s.failed(ctx, u, "wrong or spent recovery code")
		}
	case l.TOTPConfirmed:
		step, err := s.matchCode(ctx, u, l, r.Code)
		if err != nil {
			return err
		}
		if ok, err := s.Store.UseTOTPStep(ctx, u.ID, step); err != nil {
			return errs.Internal(err)
		} else if !ok {
			return s.failed(ctx, u, "TOTP code already used")
		}
	case l.TOTPSecret != nil && r.Code != "":
		step, err := s.matchCode(ctx, u, l, r.Code)
		if err != nil {
			return err
		}
		codes := NewRecoveryCodes(RecoveryCodes)
		hashes := make([][]byte, len(codes))
		for i, c := range codes {
			hashes[i] = HashRecoveryCode(c)
		}
		ok, err := s.Store.ConfirmTOTP(ctx, u.ID, step, hashes, s.event(ctx, who(u), userTarget("Enrol-2FA", u)))
		if err != nil {
			return errs.Internal(err)
		}
		if !ok {
			return s.failed(ctx, u, "TOTP code already used")
		}
		out.RecoveryCodes = codes
	case set.Require2FA:
		return errs.Forbidden("totp_enrolment_required",
			"two-factor authentication is required: enrol TOTP (POST /api/v1/session/totp), then sign in with a code from your app")
	}
	return nil
}

// matchCode checks a TOTP code against u's secret; a wrong code counts
// toward lockout.
func (s *Service) matchCode(ctx context.Context, u *User, l *Login, code string) (int64, error) {
	secret, err := s.openSecret(ctx, u, l)
	if err != nil {
		return 0, err
	}
	step, ok := MatchTOTP(secret, code, s.Guard.Now())
	if !ok {
		return 0, s.failed(ctx, u, "wrong TOTP code")
	}
	return step, nil
}

// openSession records a new session, and the sign-in, and fills out.
func (s *Service) openSession(ctx context.Context, u *User, out *SignIn) error {
	now := s.now()
	secret, hash := NewSessionSecret()
	exp := now.Add(SessionLifetime)
	tok := &Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: "web console", Prefix: SessionPrefix,
		Hash: hash, Kind: TokenSession, CreatedAt: now, ExpiresAt: &exp}
	if err := s.Store.LoginSucceeded(ctx, u.ID, s.event(ctx, who(u), userTarget("Sign-in", u))); err != nil {
		return errs.Internal(err)
	}
	if err := s.Store.CreateToken(ctx, tok, nil); err != nil {
		return errs.Internal(err)
	}
	out.Secret, out.CSRF, out.ExpiresAt = secret, CSRFToken(secret), exp
	return nil
}

// SignOut ends the caller's session (by its secret, from the cookie).
func (s *Service) SignOut(ctx context.Context, p policy.Principal, secret string) error {
	c, err := s.Store.CredentialsByToken(ctx, HashToken(secret), nil)
	if err != nil || c.Token.Kind != TokenSession || c.User.ID != p.UserID {
		return errs.Unauthorized("session_invalid", "no session to end")
	}
	t := guard.Target{Type: "User", Action: "Sign-out", ID: p.UserID, Name: p.Name}
	return storeErr(s.Store.RevokeToken(ctx, c.Token.ID, s.now(), s.event(ctx, p, t)), "session")
}
