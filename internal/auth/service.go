package auth

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Stores is everything the identity service persists through.
type Stores interface {
	Store
	CertStore
	IdentityStore
}

// Service manages identity: users, groups, teams, custom roles, account
// settings, API tokens, client certificates, and web sign-in. Every action
// is authorized by policy through Guard (denials are audited) and every
// change is committed with its audit event.
type Service struct {
	Store Stores
	Guard *guard.Guard
	// CA issues client certificates; nil means this server cannot.
	CA *pki.CA
	// Keyring seals TOTP secrets; nil stores them unsealed.
	Keyring *Keyring
	// Argon2 are the parameters of new password hashes (DefaultArgon2 if zero).
	Argon2 Argon2Params
	// MaxFailures failed sign-ins in a row lock a user for LockFor
	// (defaults 5 and 15 minutes): no more than MaxFailures checks of a
	// password or code are made per lock, however many arrive at once; once
	// the lock expires, the count starts again.
	MaxFailures int
	LockFor     time.Duration
	// Issuer names Signet in authenticator apps (default "Signet").
	Issuer string

	// HashWait is the longest a password check waits for a hashing slot
	// (default 10 seconds); then it is refused with 503 busy.
	HashWait time.Duration

	hashOnce sync.Once
	hashing  chan struct{} // bounds concurrent password hashes
	waiting  atomic.Int32  // checks waiting for a slot
}

// MaxConcurrentHashes bounds the password hashes computed at once, and
// MaxHashWaiters the checks waiting for one: more are refused at once, so
// a flood of sign-ins (they need no credentials) queues no goroutines
// without bound and holds nobody for long.
const (
	MaxConcurrentHashes = 2
	MaxHashWaiters      = 32
)

func (s *Service) now() time.Time { return s.Guard.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) argon2() Argon2Params {
	if s.Argon2.Memory == 0 {
		return DefaultArgon2
	}
	return s.Argon2
}

// check asks policy, auditing a denial.
func (s *Service) check(ctx context.Context, p policy.Principal, req policy.Request, t guard.Target) error {
	return s.Guard.Check(ctx, p, req, t)
}

// event builds the audit event of an allowed change.
func (s *Service) event(ctx context.Context, p policy.Principal, t guard.Target) *audit.Event {
	return s.Guard.Event(ctx, p, t, audit.Allowed, "")
}

// storeErr maps store sentinels to API errors about what.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return errs.NotFound("not_found", "no %s", what)
	case errors.Is(err, store.ErrConflict):
		return errs.Conflict("conflict", "%s already exists or is in use", what)
	}
	return errs.Internal(err)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// checkName validates a user, group, team or role name.
func checkName(kind, name string) error {
	if !nameRE.MatchString(name) {
		return errs.BadRequest("invalid_name", "%s name must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", kind)
	}
	return nil
}

// user finds a user by id or name, with a 404 error.
func (s *Service) user(ctx context.Context, ref string) (*User, error) {
	u, err := s.Store.GetUser(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound("user_not_found", "no user with id or name %q", ref)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	return u, nil
}

// UserID resolves a user's id or name to the id (404 user_not_found). It
// tells no more than the logs it filters show.
func (s *Service) UserID(ctx context.Context, ref string) (string, error) {
	u, err := s.user(ctx, ref)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// roleDefs returns every role a user may be given: built-in and custom.
func (s *Service) roleDefs(ctx context.Context) (map[string]policy.Role, error) {
	custom, err := s.Store.ListRoles(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := map[string]policy.Role{}
	for _, r := range custom {
		out[r.Name] = *r
	}
	for name, r := range policy.BuiltIn {
		out[name] = r
	}
	return out, nil
}

// mayGrant checks that roles exist and that p holds every permission of
// each where it would act (team, or account-wide when ""): nobody gives
// more than they hold.
func (s *Service) mayGrant(ctx context.Context, p policy.Principal, roles []string, team string, t guard.Target) error {
	defs, err := s.roleDefs(ctx)
	if err != nil {
		return err
	}
	for _, name := range roles {
		r, ok := defs[name]
		if !ok {
			return errs.BadRequest("unknown_role", "no role %q (built-in: lead, team_lead, developer, build_engineer, signer; or a custom role)", name)
		}
		if a, ok := p.Covers(r, team); !ok {
			return s.Guard.Deny(ctx, p, t, errs.Forbidden("permission_denied",
				"giving role %s needs permission %s, which you do not hold there", name, a))
		}
	}
	return nil
}
