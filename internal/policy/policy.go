// Package policy is authorization: one pure function, [Authorize], decides
// whether a principal may perform an action on a resource at a time. It reads
// nothing and writes nothing; callers gather the facts and apply the answer.
//
// # The model
//
// A user holds roles account-wide and, with teams on, roles inside teams
// (directly or through a group). A role is a set of permissions ([Action]);
// custom roles are sets of the same permissions. Where a role acts:
//
//   - an account-wide role of scope "account" acts outside teams and inside
//     the user's own teams; one that grants team.manage (Lead) acts in every
//     team;
//   - an account-wide role of scope "team" (Team lead) acts only inside the
//     user's own teams;
//   - a role held inside team T acts only inside T;
//   - outside its teams, a team role keeps its view permissions, so that its
//     holder can list and read, and credentials.manage_own.
//
// With teams off (the account setting), there are no team boundaries:
// every role a user holds acts account-wide, and resources' teams are
// ignored, with one exception: team.manage (teams and their members, which
// act once teams are on) then comes only from an account-wide role of scope
// "account", so that a Team lead manages no team while teams are off. A
// resource is inside team T when its team is T and teams are on. The
// keypair access list (restricted keypairs, and the Signer's "assigned
// keypairs only") limits the use of a key: signing and certificate
// generation; a caller without keypair.view still sees the keypairs it may
// sign with. The second factor (a client certificate of the token's user)
// is needed to sign, generate, import or delete a keypair, and approve a
// release.
//
// # Credentials
//
// An API token is the first factor and a client certificate the second, so
// a token alone never makes a client certificate, for its own user or
// another: that needs the caller's client certificate already, or a web
// console session (a sign-in with the password, and TOTP). Nothing a token
// makes outlives it ([CredentialExpiry]).
//
// Whoever acts on another user's credentials, password or TOTP, or enables
// them, may then act as that user, and whoever puts someone in a group
// gives what the group carries: so they must hold every permission that
// user or group holds, where it holds it ([Subject]). As with roles,
// nobody gives, nor takes, more than they hold.
package policy

import (
	"slices"
	"time"
)

// secondFactor lists the actions that need a client certificate as well as a token.
var secondFactor = map[Action]bool{
	Sign: true, KeypairGenerate: true, KeypairImport: true, ReleaseApprove: true,
	KeypairDelete: true, // destroys the key for good: never on a (possibly leaked) token alone
}

// NeedsSecondFactor reports whether a requires the client certificate.
func NeedsSecondFactor(a Action) bool { return secondFactor[a] }

// Principal is an authenticated caller.
type Principal struct {
	UserID string
	Name   string
	Roles  []string // held account-wide: built-in or custom role names
	Groups []string
	// Teams maps each team the user belongs to (directly or through a
	// group) to the roles held inside it (possibly none).
	Teams map[string][]string
	// Custom holds the custom roles named in Roles and Teams.
	Custom map[string]Role
	// TeamsOn is the account setting: teams scope keypairs and releases.
	TeamsOn      bool
	Service      bool // a service user: its credentials are managed by a Lead
	Disabled     bool
	SecondFactor bool // a valid client certificate of this same user was presented
	// WebSession: the caller signed in to the web console (password, and
	// TOTP when the user has it or the account requires it) rather than
	// sending an API token.
	WebSession bool
	// TokenExpiresAt is when the caller's API token expires; zero when it
	// never does, and for web sessions and local administrators.
	TokenExpiresAt time.Time
}

// Keypair is what authorization needs to know of a keypair.
type Keypair struct {
	ID            string
	State         string // active, suspended, destroyed
	Status        string // online, offline
	Access        string // open, restricted
	AllowedUsers  []string
	AllowedGroups []string
	Team          string // "" when in no team
}

// Request is one question to Authorize.
type Request struct {
	Action  Action
	Keypair *Keypair // the keypair acted upon, if any
	Release *Release // for Sign: the live release holding Keypair, if any; for ReleaseApprove: the release
	// Team is the team of the resource acted upon when it is not Keypair (a
	// release, a team, a keypair being made); "" for none.
	Team string
	// UsesKey: the action makes Keypair's private key sign something other
	// than a digest (a certificate request), which needs the second factor
	// as signing does.
	UsesKey bool
	// IssuesSecondFactor: the action makes a client certificate, the second
	// factor, or what leads to one (another user's password or 2FA reset,
	// which open a web session), which the first factor alone must not
	// mint: it needs the caller's own client certificate already
	// (SecondFactor) or a web session (WebSession).
	IssuesSecondFactor bool
	// Subject is the user acted upon, when it is not the caller, by an
	// action that lets the caller act as it (its credentials, password or
	// TOTP, enabling it), or the group someone joins: the caller must hold
	// every permission it holds, where it holds it.
	Subject *Subject
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

// Authorize decides whether p may perform req at time now.
func Authorize(p Principal, req Request, now time.Time) Decision {
	d := authorize(p, req, now)
	if !d.Allow && req.Action == KeypairView && !p.Disabled {
		if v := viewThroughSign(p, req, now); v.Allow {
			return v
		}
	}
	return d
}

// authorize applies the rules; Authorize adds keypairs seen through sign.
func authorize(p Principal, req Request, now time.Time) Decision {
	_ = now // release windows arrive as facts (Release.Status)
	act := req.Action
	if p.Disabled {
		return deny("user_disabled", "user "+p.Name+" is disabled")
	}
	if !p.Has(act) && !(act == Sign && p.Has(SignAssigned)) {
		return deny("permission_denied", "missing permission "+string(act))
	}
	if secondFactor[act] && !p.SecondFactor {
		return deny("client_certificate_required",
			string(act)+" needs a client certificate (mutual TLS) of the same user as the API token")
	}
	if req.UsesKey && !p.SecondFactor {
		return deny("client_certificate_required",
			string(act)+" with the keypair's own key (a certificate request) needs a client certificate (mutual TLS) of the same user as the API token")
	}
	if act == CredentialsManageOwn && p.Service {
		return deny("service_user_credentials", "the credentials of service user "+p.Name+" are managed by a Lead (user.manage)")
	}
	if req.IssuesSecondFactor && !p.SecondFactor && !p.WebSession {
		return deny("second_factor_required",
			"issuing a client certificate, or setting another user's password or two-factor enrolment (which lead to one), needs the second factor already: send the API token with your client certificate (mutual TLS), or sign in to the web console; an API token alone cannot")
	}
	if act == TeamManage && !p.TeamsOn && !p.allTeams() {
		return deny("permission_denied", "missing permission team.manage from an account-wide role of scope account: while teams are off, team roles (Team lead) manage no team")
	}
	team := req.team(p)
	if team != "" && !p.member(team) && !p.allTeams() {
		return deny("team_access_denied", "the resource belongs to team "+team+", and "+p.Name+" is not a member of it")
	}
	granted, assignedOnly := p.grantsIn(act, team), false
	if act == Sign && !granted && p.grantsIn(SignAssigned, team) {
		granted, assignedOnly = true, true
	}
	if !granted {
		where := "outside teams: team roles act only inside their teams"
		if team != "" {
			where = "in team " + team
		}
		return deny("permission_denied", "missing permission "+string(act)+" "+where)
	}
	if req.Subject != nil {
		if d := p.coverSubject(*req.Subject); !d.Allow {
			return d
		}
	}
	if act == ReleaseApprove && req.Release != nil && req.Release.OwnRequest {
		return deny("own_release", "you requested release "+req.Release.label()+": another approver must decide")
	}
	kp := req.Keypair
	if assignedOnly && kp == nil {
		return deny("keypair_not_assigned", "permission sign.assigned: "+p.Name+" signs only with keypairs assigned to them")
	}
	if kp == nil || (act != Sign && act != CertGenerate) {
		return Decision{Allow: true}
	}
	assigned := kp.assignedTo(p)
	switch {
	case kp.Access == "restricted" && !assigned:
		return deny("keypair_access_denied", "keypair is restricted and "+p.Name+" is not among its allowed users or groups")
	case assignedOnly && !assigned:
		return deny("keypair_not_assigned", "permission sign.assigned: "+p.Name+" signs only with keypairs assigned to them, and this one is not")
	}
	if act != Sign {
		return Decision{Allow: true}
	}
	switch {
	case kp.State == "destroyed":
		return deny("keypair_destroyed", "keypair has been deleted")
	case kp.State == "suspended":
		return deny("keypair_suspended", "keypair is suspended")
	}
	return signWindow(kp, req.Release)
}

// assignedTo reports whether p is among kp's allowed users or groups.
func (kp *Keypair) assignedTo(p Principal) bool {
	return slices.Contains(kp.AllowedUsers, p.UserID) ||
		slices.ContainsFunc(p.Groups, func(g string) bool { return slices.Contains(kp.AllowedGroups, g) })
}

// team returns the team of the resource, or "" when teams are off.
func (r Request) team(p Principal) string {
	if !p.TeamsOn {
		return ""
	}
	if r.Keypair != nil {
		return r.Keypair.Team
	}
	return r.Team
}
