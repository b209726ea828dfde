// Package policy is authorization: one pure function, [Authorize], decides
// whether a principal may perform an action on a resource at a time. It reads
// nothing and writes nothing; callers gather the facts and apply the answer.
package policy

import (
	"slices"
	"time"
)

// Action is a named permission.
type Action string

// Permissions. Roles are sets of these.
const (
	KeypairView     Action = "keypair.view"
	KeypairGenerate Action = "keypair.generate"
	KeypairImport   Action = "keypair.import"
	KeypairManage   Action = "keypair.manage" // suspend, unsuspend, update, refresh
	KeypairDelete   Action = "keypair.delete"
	Sign            Action = "sign"
	CertView        Action = "certificate.view"
	CertGenerate    Action = "certificate.generate"
	ProfileView     Action = "profile.view"
	ProfileManage   Action = "profile.manage"
	ReleaseRequest  Action = "release.request"
	ReleaseView     Action = "release.view"
	ReleaseApprove  Action = "release.approve"
	ReleaseManage   Action = "release.manage"
	AuditView       Action = "audit.view"
	AuditExport     Action = "audit.export"
	UserManage      Action = "user.manage"
	TeamManage      Action = "team.manage"
	SettingsManage  Action = "settings.manage"
	CAManage        Action = "ca.manage"
	TokenManageOwn  Action = "token.manage_own"
)

// AllActions lists every permission.
var AllActions = []Action{
	KeypairView, KeypairGenerate, KeypairImport, KeypairManage, KeypairDelete, Sign,
	CertView, CertGenerate, ProfileView, ProfileManage,
	ReleaseRequest, ReleaseView, ReleaseApprove, ReleaseManage,
	AuditView, AuditExport, UserManage, TeamManage, SettingsManage, CAManage, TokenManageOwn,
}

// Built-in roles.
const (
	RoleLead          = "lead"
	RoleTeamLead      = "team_lead"
	RoleDeveloper     = "developer"
	RoleBuildEngineer = "build_engineer"
	RoleSigner        = "signer"
)

// Roles maps each built-in role to its permissions (DESIGN.md, "Roles").
var Roles = map[string][]Action{
	RoleLead: AllActions,
	RoleTeamLead: {KeypairView, KeypairGenerate, KeypairImport, KeypairManage, KeypairDelete, Sign,
		CertView, CertGenerate, ProfileView, ReleaseView, ReleaseApprove, AuditView, TeamManage, TokenManageOwn},
	RoleDeveloper: {KeypairGenerate, KeypairView, CertGenerate, CertView, ProfileView, Sign,
		ReleaseRequest, ReleaseView, AuditView, TokenManageOwn},
	RoleBuildEngineer: {Sign, TokenManageOwn},
	RoleSigner:        {KeypairView, CertView, ProfileView, Sign, ReleaseView, AuditView, TokenManageOwn},
}

// secondFactor lists the actions that need a client certificate as well as a token.
var secondFactor = map[Action]bool{
	Sign: true, KeypairGenerate: true, KeypairImport: true, ReleaseApprove: true,
}

// NeedsSecondFactor reports whether a requires the client certificate.
func NeedsSecondFactor(a Action) bool { return secondFactor[a] }

// Principal is an authenticated caller.
type Principal struct {
	UserID       string
	Name         string
	Roles        []string
	Groups       []string
	Disabled     bool
	SecondFactor bool // a valid client certificate of this same user was presented
}

// Keypair is what authorization needs to know of a keypair.
type Keypair struct {
	ID            string
	State         string // active, suspended, destroyed
	Status        string // online, offline
	Access        string // open, restricted
	AllowedUsers  []string
	AllowedGroups []string
}

// Request is one question to Authorize.
type Request struct {
	Action  Action
	Keypair *Keypair // the keypair acted upon, if any
	Release *Release // for Sign: the live release holding Keypair, if any
}

// Decision is Authorize's answer. Code and Reason say why it was denied, in
// words that name the missing permission or factor and nothing secret.
// Counts tells that an allowed signature counts toward Request.Release, so
// the caller must reserve it from the budget before signing.
type Decision struct {
	Allow  bool
	Code   string
	Reason string
	Counts bool
}

func deny(code, reason string) Decision { return Decision{Code: code, Reason: reason} }

// Has reports whether p's roles grant a.
func (p Principal) Has(a Action) bool {
	for _, r := range p.Roles {
		if slices.Contains(Roles[r], a) {
			return true
		}
	}
	return false
}

// Authorize decides whether p may perform req at time now.
func Authorize(p Principal, req Request, now time.Time) Decision {
	_ = now // release windows and token expiry arrive with releases
	if p.Disabled {
		return deny("user_disabled", "user "+p.Name+" is disabled")
	}
	if !p.Has(req.Action) {
		return deny("permission_denied", "missing permission "+string(req.Action))
	}
	if secondFactor[req.Action] && !p.SecondFactor {
		return deny("client_certificate_required",
			string(req.Action)+" needs a client certificate (mutual TLS) of the same user as the API token")
	}
	kp := req.Keypair
	if kp == nil {
		return Decision{Allow: true}
	}
	if req.Action != KeypairView && req.Action != KeypairDelete && !accessible(p, kp) {
		return deny("keypair_access_denied", "keypair is restricted and "+p.Name+" is not among its allowed users or groups")
	}
	if req.Action == Sign {
		switch {
		case kp.State == "destroyed":
			return deny("keypair_destroyed", "keypair has been deleted")
		case kp.State == "suspended":
			return deny("keypair_suspended", "keypair is suspended")
		}
		return signWindow(kp, req.Release)
	}
	return Decision{Allow: true}
}

// accessible applies a keypair's access list. A Signer uses only keypairs
// assigned to them (listed among allowed users or groups), even open ones.
func accessible(p Principal, kp *Keypair) bool {
	assigned := slices.Contains(kp.AllowedUsers, p.UserID) ||
		slices.ContainsFunc(p.Groups, func(g string) bool { return slices.Contains(kp.AllowedGroups, g) })
	if kp.Access == "restricted" {
		return assigned
	}
	onlySigner := len(p.Roles) > 0 && !slices.ContainsFunc(p.Roles, func(r string) bool { return r != RoleSigner })
	if onlySigner {
		return assigned
	}
	return true
}
