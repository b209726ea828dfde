package policy

import "slices"

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
	// SignAssigned is sign limited to keypairs assigned to the user (listed,
	// or one of their groups listed, among the keypair's allowed users and
	// groups), open ones included. It is the Signer's.
	SignAssigned   Action = "sign.assigned"
	CertView       Action = "certificate.view"
	CertGenerate   Action = "certificate.generate"
	ProfileView    Action = "profile.view"
	ProfileManage  Action = "profile.manage"
	ReleaseRequest Action = "release.request"
	ReleaseView    Action = "release.view"
	ReleaseApprove Action = "release.approve"
	ReleaseManage  Action = "release.manage"
	AuditView      Action = "audit.view"
	AuditExport    Action = "audit.export"
	UserManage     Action = "user.manage" // users, groups, and any user's credentials
	TeamManage     Action = "team.manage"
	RoleManage     Action = "role.manage" // custom roles
	SettingsManage Action = "settings.manage"
	CAManage       Action = "ca.manage"
	// CredentialsManageOwn lets a standard user create, list and revoke their
	// own API tokens and client certificates.
	CredentialsManageOwn Action = "credentials.manage_own"
)

// AllActions lists every permission.
var AllActions = []Action{
	KeypairView, KeypairGenerate, KeypairImport, KeypairManage, KeypairDelete, Sign, SignAssigned,
	CertView, CertGenerate, ProfileView, ProfileManage,
	ReleaseRequest, ReleaseView, ReleaseApprove, ReleaseManage,
	AuditView, AuditExport, UserManage, TeamManage, RoleManage, SettingsManage, CAManage, CredentialsManageOwn,
}

// Known reports whether a names a permission.
func Known(a Action) bool { return slices.Contains(AllActions, a) }

// keptOutside are the permissions a team role keeps outside its teams: it
// may list and read, and manage its holder's own credentials, never change
// anything else.
var keptOutside = []Action{KeypairView, CertView, ProfileView, ReleaseView, AuditView, CredentialsManageOwn}

// Role scopes: where a role held account-wide acts.
const (
	// ScopeAccount roles act on resources outside teams and inside the
	// teams their holder belongs to.
	ScopeAccount = "account"
	// ScopeTeam roles act only inside the teams their holder belongs to
	// (outside them, they keep their view permissions).
	ScopeTeam = "team"
)

// Role is a named set of permissions. Custom roles are sets of the same
// permissions as the built-in ones.
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Scope       string   `json:"scope"`
	Permissions []Action `json:"permissions"`
	BuiltIn     bool     `json:"built_in"`
}

// Built-in roles.
const (
	RoleLead          = "lead"
	RoleTeamLead      = "team_lead"
	RoleDeveloper     = "developer"
	RoleBuildEngineer = "build_engineer"
	RoleSigner        = "signer"
)

// BuiltIn holds the roles of DESIGN.md, "Roles".
var BuiltIn = map[string]Role{
	RoleLead: {Name: RoleLead, Scope: ScopeAccount, BuiltIn: true, Permissions: AllActions,
		Description: "everything in the account"},
	RoleTeamLead: {Name: RoleTeamLead, Scope: ScopeTeam, BuiltIn: true,
		Description: "for their teams: members, keypairs, certificates, approvals; generate, sign",
		Permissions: []Action{KeypairView, KeypairGenerate, KeypairImport, KeypairManage, KeypairDelete, Sign,
			CertView, CertGenerate, ProfileView, ReleaseView, ReleaseApprove, AuditView, TeamManage, CredentialsManageOwn}},
	RoleDeveloper: {Name: RoleDeveloper, Scope: ScopeAccount, BuiltIn: true,
		Description: "generate and view keypairs and certificates, sign, request releases, view the audit log",
		Permissions: []Action{KeypairGenerate, KeypairView, CertGenerate, CertView, ProfileView, Sign,
			ReleaseRequest, ReleaseView, AuditView, CredentialsManageOwn}},
	RoleBuildEngineer: {Name: RoleBuildEngineer, Scope: ScopeAccount, BuiltIn: true,
		Description: "sign", Permissions: []Action{Sign, CredentialsManageOwn}},
	RoleSigner: {Name: RoleSigner, Scope: ScopeAccount, BuiltIn: true,
		Description: "sign with keypairs assigned to them; view keypairs, certificates, profiles, releases, audit log",
		Permissions: []Action{KeypairView, CertView, ProfileView, SignAssigned, ReleaseView, AuditView, CredentialsManageOwn}},
}

// Grants reports whether r includes a.
func (r Role) Grants(a Action) bool { return slices.Contains(r.Permissions, a) }
