package auth

import (
	"context"

	"github.com/signet-project/signet/internal/errs"
)

// TOTPEnrolment is a TOTP secret to put in an authenticator app: shown
// once, never returned again.
type TOTPEnrolment struct {
	Secret          string `json:"secret"`
	ProvisioningURI string `json:"provisioning_uri"`
}

// BeginTOTP starts (or restarts) a standard user's TOTP enrolment, after
// checking the password (a wrong one counts toward lockout). The next
// sign-in with a code from the app confirms it.
func (s *Service) BeginTOTP(ctx context.Context, name, password string) (*TOTPEnrolment, error) {
	u, err := s.Store.GetUser(ctx, name)
	if err != nil {
		// As slow as a real check, and busy as a known name would be.
		if _, _, err := s.verify(ctx, password, ""); err != nil {
			return nil, err
		}
		s.auditUnknown(ctx, forTOTP)
		return nil, errSignIn()
	}
	l, err := s.Store.GetLogin(ctx, u.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	a, err := s.begin(ctx, u, forTOTP)
	if err != nil {
		return nil, err
	}
	ok, _, err := s.verify(ctx, password, l.PasswordHash)
	if err != nil {
		s.release(ctx, u, l, a)
		return nil, err
	}
	if !ok {
		return nil, s.failed(ctx, u, a, "wrong password")
	}
	// The right password takes this attempt off the count, and only it:
	// enrolment is no sign-in, and must not wipe out wrong TOTP codes.
	if err := s.passed(ctx, u, l, a, forTOTP); err != nil {
		return nil, err
	}
	switch {
	case u.Type == UserService || u.Disabled:
		return nil, s.Guard.Deny(ctx, who(u), userTarget("Begin-2FA", u), errs.Forbidden("totp_not_allowed", "TOTP is for enabled standard users"))
	case l.TOTPConfirmed:
		return nil, errs.Conflict("totp_enrolled", "TOTP is already set up; a Lead can reset it if the device is lost")
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "Signet"
	}
	secret, uri, err := NewTOTP(issuer, u.Name)
	if err != nil {
		return nil, errs.Internal(err)
	}
	sealed := []byte(secret)
	if s.Keyring != nil {
		sealed = s.Keyring.Seal([]byte(secret), []byte(u.ID))
	}
	if err := s.Store.SetTOTP(ctx, u.ID, sealed, s.event(ctx, who(u), userTarget("Begin-2FA", u))); err != nil {
		return nil, errs.Internal(err)
	}
	return &TOTPEnrolment{Secret: secret, ProvisioningURI: uri}, nil
}

// openSecret returns u's TOTP secret in the clear, resealing it under the
// current master key when it was sealed under an older one.
func (s *Service) openSecret(ctx context.Context, u *User, l *Login) (string, error) {
	if s.Keyring == nil {
		return string(l.TOTPSecret), nil
	}
	pt, reseal, err := s.Keyring.Open(l.TOTPSecret, []byte(u.ID))
	if err != nil {
		return "", errs.Wrap(err, 500, "totp_secret_unreadable", "the TOTP secret cannot be read (master key missing?): a Lead can reset it")
	}
	if reseal {
		_ = s.Store.ResealTOTP(ctx, u.ID, l.TOTPSecret, s.Keyring.Seal(pt, []byte(u.ID))) // best effort: it still opens
	}
	return string(pt), nil
}
