package auth

import (
	"context"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/policy"
)

// Token kinds: API tokens (x-api-key) and web console sessions (cookie).
const (
	TokenAPI     = "api"
	TokenSession = "session"
)

// Team member kinds.
const (
	MemberUser  = "user"
	MemberGroup = "group"
)

// Group is a named set of users. Membership is kept on each user
// ([User.Groups]); keypairs name groups among their allowed groups.
type Group struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"` // user names
	CreatedAt   time.Time `json:"created_at"`
}

// Team maps users and groups, each with the roles they hold inside it, to
// the keypairs and releases that name the team.
type Team struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Members     []TeamMember `json:"members"`
	CreatedAt   time.Time    `json:"created_at"`
}

// TeamMember is a user (by id) or a group (by name) in a team.
type TeamMember struct {
	Kind   string   `json:"kind"`           // user or group
	Member string   `json:"member"`         // user id, or group name
	Name   string   `json:"name,omitempty"` // a user's name, in answers only (not stored)
	Roles  []string `json:"roles"`          // roles held inside the team
}

// Settings are the account settings of identity and authorization.
type Settings struct {
	// Require2FA makes TOTP mandatory for every standard user's sign-in.
	Require2FA bool `json:"require_2fa"`
	// TeamsEnabled turns teams on: team keypairs and releases are scoped
	// to their members.
	TeamsEnabled bool `json:"teams_enabled"`
	// RequireKeypairProfile refuses a keypair generated or imported
	// without a keypair profile. The store keeps it with the profiles
	// (ca.Settings, also read and changed by /api/v1/settings/profiles)
	// and reads and changes it here with the others; the CA applies it.
	RequireKeypairProfile bool `json:"require_keypair_profile"`
	// ReleaseApprovals is how many approvals an offline release needs, from
	// 1 to 10 (default 1). A request keeps the number it was made with.
	ReleaseApprovals int `json:"release_approvals"`
	// RotationSeconds is the dynamic-keypair rotation interval in seconds,
	// from 60 to 86400 (default 900, 15 minutes).
	RotationSeconds int       `json:"rotation_interval_seconds"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Defaults and bounds of the release and rotation settings. The store
// keeps 0 for a setting never set; [Settings.WithDefaults] fills it in.
const (
	DefaultReleaseApprovals = 1
	MaxReleaseApprovals     = 10
	DefaultRotation         = 15 * time.Minute
	MinRotation             = time.Minute
	MaxRotation             = 24 * time.Hour
)

// WithDefaults returns s with the defaults in place of the settings never
// set. Readers of the store call it; [Service.Settings] already has.
func (s Settings) WithDefaults() Settings {
	if s.ReleaseApprovals == 0 {
		s.ReleaseApprovals = DefaultReleaseApprovals
	}
	if s.RotationSeconds == 0 {
		s.RotationSeconds = int(DefaultRotation / time.Second)
	}
	return s
}

// RotationInterval is the rotation interval, the default if never set.
func (s Settings) RotationInterval() time.Duration {
	return time.Duration(s.WithDefaults().RotationSeconds) * time.Second
}

// Grants are what authorization needs of a user beyond its roles and
// groups: the teams it belongs to (directly or through a group) with the
// roles it holds in each, and the custom roles it holds. The store keeps
// them resolved on every identity change, so that authentication reads
// them with the user in one query.
type Grants struct {
	Teams  map[string][]string    `json:"teams,omitempty"`
	Custom map[string]policy.Role `json:"custom,omitempty"`
}

// Credentials are what one request's credentials resolve to, read in one
// query: the token, its user with grants, the presented client certificate
// (nil if none was presented or it is unknown) and the account settings
// that authentication needs (2FA and teams; the keypair-profile, release
// and rotation settings are read where they are used, and are zero here).
type Credentials struct {
	Token    *Token
	User     *User
	Grants   Grants
	Cert     *ClientCert
	Settings Settings
}

// Login is a user's sign-in state: password hash, failure count, lockout
// and TOTP. TOTPSecret is sealed (see [Keyring]).
type Login struct {
	UserID        string
	PasswordHash  string // PHC string, "" when no password is set
	Failures      int
	LockedUntil   time.Time // zero when not locked
	TOTPSecret    []byte    // nil when not enrolled
	TOTPConfirmed bool
	TOTPLastStep  int64 // last time step accepted: codes are accepted once
}

// LoginAttempt is one check of a user's password or code, counted by
// [IdentityStore.BeginLogin] before it is made.
type LoginAttempt struct {
	// LockedUntil is the lock that refused the attempt; zero when the
	// attempt was counted and may be checked.
	LockedUntil time.Time
	// Lock is the lock this attempt started by being the last one allowed
	// (zero if it was not): it stands if the attempt fails.
	Lock time.Time
}

// Refused reports whether a lock refused the attempt.
func (a LoginAttempt) Refused() bool { return !a.LockedUntil.IsZero() }

// LoginEnd ends a counted attempt that did not fail: see
// [IdentityStore.EndLogin].
type LoginEnd struct {
	Attempt LoginAttempt
	// PasswordHash is the hash the password was checked against: the
	// attempt ends only if it is still the user's.
	PasswordHash string
	// Rehash, if not "", replaces it: the same password hashed under
	// today's parameters.
	Rehash string
	// At is the time of the re-check: a lock in force then, other than the
	// attempt's own, refuses it.
	At time.Time
	// SignIn clears the failure count (a successful sign-in); otherwise
	// only this attempt is taken off it (the check passed, or was never
	// made, but nobody signed in).
	SignIn bool
	// Session, if not nil, is inserted with it.
	Session *Token
}

// IdentityStore persists users' changes, groups, teams, custom roles,
// settings and sign-in state. Mutations commit their audit event in the
// same transaction; those that change who holds what (users, groups,
// teams, roles) also bring every affected user's [Grants] up to date in it.
type IdentityStore interface {
	// UpdateUser saves u's email, roles and groups.
	UpdateUser(ctx context.Context, u *User, ev *audit.Event) error
	// SetUserDisabled disables or enables a user. Disabling revokes every
	// API token, session and client certificate of the user at once.
	SetUserDisabled(ctx context.Context, id string, disabled bool, at time.Time, ev *audit.Event) error
	// DeleteUser deletes a user with its credentials and memberships.
	DeleteUser(ctx context.Context, id string, ev *audit.Event) error
	// GetToken finds an API token or session by id; store.ErrNotFound if none.
	GetToken(ctx context.Context, id string) (*Token, error)
	// GetClientCert finds a client certificate by id; store.ErrNotFound if none.
	GetClientCert(ctx context.Context, id string) (*ClientCert, error)
	// CredentialsByToken resolves a token hash and, if not nil, a client
	// certificate fingerprint; store.ErrNotFound if no token has the hash.
	CredentialsByToken(ctx context.Context, tokenHash, certFingerprint []byte) (*Credentials, error)

	CreateGroup(ctx context.Context, g *Group, ev *audit.Event) error
	ListGroups(ctx context.Context) ([]*Group, error)
	// DeleteGroup deletes a group and takes it out of every user and team.
	DeleteGroup(ctx context.Context, name string, ev *audit.Event) error

	CreateTeam(ctx context.Context, t *Team, ev *audit.Event) error
	GetTeam(ctx context.Context, name string) (*Team, error)
	ListTeams(ctx context.Context) ([]*Team, error)
	DeleteTeam(ctx context.Context, name string, ev *audit.Event) error
	// SetTeamMember adds a member or replaces its roles.
	SetTeamMember(ctx context.Context, team string, m TeamMember, ev *audit.Event) error
	RemoveTeamMember(ctx context.Context, team, kind, member string, ev *audit.Event) error

	CreateRole(ctx context.Context, r *policy.Role, ev *audit.Event) error
	UpdateRole(ctx context.Context, r *policy.Role, ev *audit.Event) error
	// DeleteRole deletes a custom role; store.ErrConflict while anyone holds it.
	DeleteRole(ctx context.Context, name string, ev *audit.Event) error
	ListRoles(ctx context.Context) ([]*policy.Role, error)

	// UserGrants returns every user's resolved grants, by user id.
	UserGrants(ctx context.Context) (map[string]Grants, error)
	// RestrictedKeypairs lists the allow-lists of the restricted keypairs
	// not destroyed.
	RestrictedKeypairs(ctx context.Context) ([]policy.Keypair, error)

	// Settings returns the settings as stored (0 for a setting never set).
	Settings(ctx context.Context) (Settings, error)
	// UpdateSettings changes the settings u sets, and only those, with
	// UpdatedAt at, in one statement: two changes of different settings at
	// once both stay. It returns the settings as stored after it.
	UpdateSettings(ctx context.Context, u SettingsUpdate, at time.Time, ev *audit.Event) (Settings, error)

	// GetLogin returns a user's sign-in state (a zero Login with UserID set
	// if the user has none yet).
	GetLogin(ctx context.Context, userID string) (*Login, error)
	// SetPassword stores a password hash, clears the failure count and
	// lock, and revokes every web console session of the user (at ev's
	// time), with ev, in one transaction.
	SetPassword(ctx context.Context, userID, hash string, ev *audit.Event) error
	// ChangePassword is SetPassword revoking the sessions at at, all but the
	// one whose hash is keepSession (nil: none kept).
	ChangePassword(ctx context.Context, userID, hash string, keepSession []byte, at time.Time, ev *audit.Event) error
	// BeginLogin counts an attempt to check a user's password or code
	// before it is made, in one conditional update, so that attempts on
	// every node add up and no more than max are ever checked per lock: an
	// attempt counts as a failure until [IdentityStore.EndLogin] says
	// otherwise. It refuses the attempt while the user is locked at now
	// (LoginAttempt.LockedUntil). A lock that has expired starts a fresh
	// count. The max-th attempt in a row locks the user until lockUntil at
	// once (LoginAttempt.Lock), whatever its outcome: an attempt that never
	// ends still leaves a lock that expires. store.ErrNotFound if no such
	// user.
	BeginLogin(ctx context.Context, userID string, max int, now, lockUntil time.Time) (LoginAttempt, error)
	// EndLogin ends a counted attempt that did not fail, if the user's
	// password hash is still e.PasswordHash and no lock is in force at e.At
	// but the one the attempt started: the failure count is cleared
	// (e.SignIn) or only this attempt taken off it, the attempt's own lock
	// is lifted, the password rehashed (e.Rehash) and the session inserted
	// (e.Session), with ev, in one transaction. It reports false, changing
	// nothing, when the re-check fails.
	EndLogin(ctx context.Context, userID string, e LoginEnd, ev *audit.Event) (bool, error)
	// UnlockLogin clears the failure count and lock.
	UnlockLogin(ctx context.Context, userID string, ev *audit.Event) error
	// SetTOTP stores a sealed TOTP secret awaiting confirmation, with no
	// recovery codes. Nil removes TOTP and revokes every web console
	// session of the user (at ev's time), in the same transaction.
	SetTOTP(ctx context.Context, userID string, sealed []byte, ev *audit.Event) error
	// ResealTOTP replaces the sealed TOTP secret old by new (the same
	// secret under the current master key), if it is still old.
	ResealTOTP(ctx context.Context, userID string, old, new []byte) error
	// ConfirmTOTP enables the pending secret, records step as used and
	// replaces the recovery codes' hashes; false if step was used already.
	ConfirmTOTP(ctx context.Context, userID string, step int64, recovery [][]byte, ev *audit.Event) (bool, error)
	// UseTOTPStep records step as used; false if it (or a later one) was.
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// UseRecoveryCode spends a recovery code; false if unknown or spent.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error)
}
