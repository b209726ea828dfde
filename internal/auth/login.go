package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
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

// errLocked is the answer to an attempt while the user is locked.
func errLocked(until time.Time) error {
	return errs.New(http.StatusTooManyRequests, "account_locked",
		"too many failed sign-ins: sign-in is locked until %s (a Lead can unlock it)", until.UTC().Format(time.RFC3339))
}

// Lockout. Each check of a user's password or code (sign-in, TOTP
// enrolment, a change of one's own password) is counted before it is made,
// and counts as a failure until it passes ([IdentityStore.BeginLogin]): a
// burst of guesses waiting for a hashing slot gets no more than
// MaxFailures of them checked per lock, whatever their number or node. A
// check that passes is taken off the count, or clears it at a sign-in, only
// if no other attempt locked the user and the password did not change in
// the meantime ([IdentityStore.EndLogin]); the session opens in the same
// transaction.

// What a check of a password or code is for, in the reasons of its audit
// records (Sign-in, denied); the web sign-in says nothing more.
const (
	forSignIn   = ""
	forTOTP     = " (TOTP enrolment)"
	forPassword = " (password change)"
)

// limits returns MaxFailures and LockFor, defaults in place.
func (s *Service) limits() (max int, lockFor time.Duration) {
	max, lockFor = s.MaxFailures, s.LockFor
	if max == 0 {
		max = 5
	}
	if lockFor == 0 {
		lockFor = 15 * time.Minute
	}
	return max, lockFor
}

// begin counts an attempt to check u's password or code (for one of the
// purposes above), before the check; while u is locked it refuses the
// attempt, audited, without checking anything.
func (s *Service) begin(ctx context.Context, u *User, purpose string) (LoginAttempt, error) {
	max, lockFor := s.limits()
	now := s.now()
	a, err := s.Store.BeginLogin(ctx, u.ID, max, now, now.Add(lockFor))
	if err != nil {
		return a, errs.Internal(err)
	}
	if a.Refused() {
		return a, s.deny(ctx, who(u), userTarget("Sign-in", u), "account locked"+purpose, errLocked(a.LockedUntil))
	}
	return a, nil
}

// failed audits a failed check of u's password or code; its attempt stays
// counted. The attempt that was the last allowed answers that u is locked.
func (s *Service) failed(ctx context.Context, u *User, a LoginAttempt, reason string) error {
	err := errSignIn()
	if !a.Lock.IsZero() {
		err = errLocked(a.Lock)
	}
	return s.deny(ctx, who(u), userTarget("Sign-in", u), reason, err)
}

// deny audits a refusal whose reason says more than the answer err, and
// returns err (or audit_unavailable). The record is written even if the
// client has gone: the attempt it records was counted.
func (s *Service) deny(ctx context.Context, p policy.Principal, t guard.Target, reason string, err error) error {
	ev := s.Guard.Event(ctx, p, t, audit.Denied, reason)
	if cerr := s.Guard.Journal.Commit(context.WithoutCancel(ctx), journal.Entry{Events: []*audit.Event{ev}}); cerr != nil {
		return errs.Wrap(cerr, http.StatusServiceUnavailable, "audit_unavailable", "request refused: the audit log cannot be written")
	}
	return err
}

// release takes an attempt that did not fail off u's count: its check was
// never made (no hashing slot before the client left), or the password was
// right but the request is refused for another reason (no TOTP code sent,
// a disabled user). When the re-check of [Service.passed] fails, the
// attempt stays counted, the safe way.
func (s *Service) release(ctx context.Context, u *User, l *Login, a LoginAttempt) {
	_, _ = s.Store.EndLogin(context.WithoutCancel(ctx), u.ID, LoginEnd{Attempt: a, PasswordHash: l.PasswordHash, At: s.now()}, nil)
}

// passed ends an attempt whose check passed, for an action other than a
// sign-in (TOTP enrolment, a password change): it is taken off the count,
// unless another attempt locked u or u's password changed meanwhile.
func (s *Service) passed(ctx context.Context, u *User, l *Login, a LoginAttempt, purpose string) error {
	ok, err := s.Store.EndLogin(ctx, u.ID, LoginEnd{Attempt: a, PasswordHash: l.PasswordHash, At: s.now()}, nil)
	if err != nil {
		return errs.Internal(err)
	}
	if !ok {
		return s.changedMeanwhile(ctx, u, purpose)
	}
	return nil
}

// changedMeanwhile refuses a check that passed but whose re-check failed:
// other attempts locked u, or u's password changed, while it was made.
func (s *Service) changedMeanwhile(ctx context.Context, u *User, purpose string) error {
	l, err := s.Store.GetLogin(ctx, u.ID)
	if err != nil {
		return errs.Internal(err)
	}
	if s.now().Before(l.LockedUntil) {
		return s.deny(ctx, who(u), userTarget("Sign-in", u), "locked by other attempts during the check"+purpose, errLocked(l.LockedUntil))
	}
	return s.deny(ctx, who(u), userTarget("Sign-in", u), "password changed during the check"+purpose, errSignIn())
}

// SignIn checks a standard user's password and second factor and opens a
// web console session. Wrong passwords and codes count toward lockout;
// a TOTP code is accepted once.
func (s *Service) SignIn(ctx context.Context, r SignInRequest) (*SignIn, error) {
	u, err := s.Store.GetUser(ctx, r.Name)
	if err != nil {
		// As slow as a real check, and busy as a known name would be.
		if _, _, err := s.verify(ctx, r.Password, ""); err != nil {
			return nil, err
		}
		s.auditUnknown(ctx, forSignIn)
		return nil, errSignIn()
	}
	l, err := s.Store.GetLogin(ctx, u.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	a, err := s.begin(ctx, u, forSignIn)
	if err != nil {
		return nil, err
	}
	ok, weaker, err := s.verify(ctx, r.Password, l.PasswordHash)
	if err != nil {
		s.release(ctx, u, l, a)
		return nil, err
	}
	if !ok {
		return nil, s.failed(ctx, u, a, "wrong password")
	}
	switch {
	case u.Type == UserService:
		s.release(ctx, u, l, a)
		return nil, s.Guard.Deny(ctx, who(u), userTarget("Sign-in", u),
			errs.Forbidden("service_user", "service users use API tokens: they cannot sign in to the web console"))
	case u.Disabled:
		s.release(ctx, u, l, a)
		return nil, s.Guard.Deny(ctx, who(u), userTarget("Sign-in", u), errs.Forbidden("user_disabled", "user %s is disabled", u.Name))
	}
	out := &SignIn{User: u}
	factor, err := s.secondFactor(ctx, u, l, a, r, out)
	if err != nil {
		return nil, err
	}
	var rehash string
	if weaker { // under today's parameters; a busy server skips it this time
		rehash, _ = s.hash(ctx, r.Password)
	}
	if err := s.openSession(ctx, u, l, a, rehash, factor, out); err != nil {
		return nil, err
	}
	return out, nil
}

// auditUnknown records an attempt (for one of the purposes above) for a
// name no user has, without the name: people type passwords in the name
// field.
func (s *Service) auditUnknown(ctx context.Context, purpose string) {
	_ = s.Guard.Deny(ctx, policy.Principal{}, guard.Target{Type: "User", Action: "Sign-in"},
		errs.Unauthorized("sign_in_failed", "no such user%s", purpose))
}

// Second factors, in the details of a sign-in's audit record.
const (
	factorTOTP     = "totp"
	factorRecovery = "recovery_code"
)

// secondFactor applies TOTP: a code (or recovery code) when enrolled; the
// first code confirms a pending enrolment; the account setting refuses a
// user without TOTP. It returns the factor used ("" for none).
func (s *Service) secondFactor(ctx context.Context, u *User, l *Login, a LoginAttempt, r SignInRequest, out *SignIn) (string, error) {
	set, err := s.Store.Settings(ctx)
	if err != nil {
		return "", errs.Internal(err)
	}
	switch {
	case l.TOTPConfirmed && r.Code == "" && r.RecoveryCode == "":
		s.release(ctx, u, l, a) // the password was right; no code was tried
		return "", errs.Unauthorized("totp_required", "this account has two-factor authentication: send a TOTP code (or a recovery code)")
	case l.TOTPConfirmed && r.Code == "":
		ok, err := s.Store.UseRecoveryCode(ctx, u.ID, HashRecoveryCode(r.RecoveryCode), s.now())
		if err != nil {
			return "", errs.Internal(err)
		}
		if !ok {
			return "", s.failed(ctx, u, a, "wrong or spent recovery code")
		}
		return factorRecovery, nil
	case l.TOTPConfirmed:
		step, err := s.matchCode(ctx, u, l, a, r.Code)
		if err != nil {
			return "", err
		}
		if ok, err := s.Store.UseTOTPStep(ctx, u.ID, step); err != nil {
			return "", errs.Internal(err)
		} else if !ok {
			return "", s.failed(ctx, u, a, "TOTP code already used")
		}
		return factorTOTP, nil
	case l.TOTPSecret != nil && r.Code != "":
		step, err := s.matchCode(ctx, u, l, a, r.Code)
		if err != nil {
			return "", err
		}
		codes := NewRecoveryCodes(RecoveryCodes)
		hashes := make([][]byte, len(codes))
		for i, c := range codes {
			hashes[i] = HashRecoveryCode(c)
		}
		ok, err := s.Store.ConfirmTOTP(ctx, u.ID, step, hashes, s.event(ctx, who(u), userTarget("Enrol-2FA", u)))
		if err != nil {
			return "", errs.Internal(err)
		}
		if !ok {
			return "", s.failed(ctx, u, a, "TOTP code already used")
		}
		out.RecoveryCodes = codes
		return factorTOTP, nil
	case set.Require2FA:
		s.release(ctx, u, l, a)
		return "", errs.Forbidden("totp_enrolment_required",
			"two-factor authentication is required: enrol TOTP (POST /api/v1/session/totp), then sign in with a code from your app")
	}
	return "", nil
}

// matchCode checks a TOTP code against u's secret; a wrong code counts
// toward lockout.
func (s *Service) matchCode(ctx context.Context, u *User, l *Login, a LoginAttempt, code string) (int64, error) {
	secret, err := s.openSecret(ctx, u, l)
	if err != nil {
		return 0, err
	}
	step, ok := MatchTOTP(secret, code, s.Guard.Now())
	if !ok {
		return 0, s.failed(ctx, u, a, "wrong TOTP code")
	}
	return step, nil
}

// openSession ends the sign-in's attempt, clearing u's failure count, and
// records the new session and the sign-in with it, in one transaction, if
// the re-check passes (see [IdentityStore.EndLogin]); it fills out. The
// record names the second factor; a recovery code says so in its reason
// too, where a reader of the log sees it.
func (s *Service) openSession(ctx context.Context, u *User, l *Login, a LoginAttempt, rehash, factor string, out *SignIn) error {
	now := s.now()
	secret, hash := NewSessionSecret()
	exp := now.Add(SessionLifetime)
	tok := &Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: "web console", Prefix: SessionPrefix,
		Hash: hash, Kind: TokenSession, CreatedAt: now, ExpiresAt: &exp}
	ev := s.event(ctx, who(u), userTarget("Sign-in", u))
	if factor != "" {
		ev.Details = map[string]string{"second_factor": factor}
	}
	if factor == factorRecovery {
		ev.Reason = "with a recovery code"
	}
	e := LoginEnd{Attempt: a, PasswordHash: l.PasswordHash, Rehash: rehash, At: now, SignIn: true, Session: tok}
	ok, err := s.Store.EndLogin(ctx, u.ID, e, ev)
	if err != nil {
		return errs.Internal(err)
	}
	if !ok {
		return s.changedMeanwhile(ctx, u, forSignIn)
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
