package policy

import "slices"

// role returns the definition of a role p holds: built-in, or custom as
// resolved into p. An unknown role grants nothing.
func (p Principal) role(name string) Role {
	if r, ok := BuiltIn[name]; ok {
		return r
	}
	return p.Custom[name]
}

// Has reports whether any role of p grants a, anywhere: account-wide or
// in a team. Authorize then checks that it applies where it is used.
func (p Principal) Has(a Action) bool {
	for _, name := range p.Roles {
		if p.role(name).Grants(a) {
			return true
		}
	}
	if !p.TeamsOn {
		return false
	}
	for _, roles := range p.Teams {
		for _, name := range roles {
			if p.role(name).Grants(a) {
				return true
			}
		}
	}
	return false
}

// member reports whether p belongs to team.
func (p Principal) member(team string) bool {
	_, ok := p.Teams[team]
	return ok
}

// allTeams reports whether p acts in every team: an account-wide role of
// account scope grants team.manage (the Lead), and who may join any team
// cannot be kept out of one.
func (p Principal) allTeams() bool {
	for _, name := range p.Roles {
		r := p.role(name)
		if r.Scope != ScopeTeam && r.Grants(TeamManage) {
			return true
		}
	}
	return false
}

// grantsIn reports whether p holds a for a resource in team ("" for a
// resource in no team, or a listing). With teams off there are no team
// boundaries: every role acts account-wide.
func (p Principal) grantsIn(a Action, team string) bool {
	if !p.TeamsOn {
		return p.Has(a)
	}
	view := slices.Contains(keptOutside, a)
	for _, name := range p.Roles {
		r := p.role(name)
		if !r.Grants(a) {
			continue
		}
		switch {
		case team == "" && (r.Scope != ScopeTeam || view):
			return true
		case team != "" && p.member(team):
			return true
		case team != "" && r.Scope != ScopeTeam && p.allTeams():
			return true
		}
	}
	for t, roles := range p.Teams {
		if t != team && !(team == "" && view) {
			continue
		}
		for _, name := range roles {
			if p.role(name).Grants(a) {
				return true
			}
		}
	}
	return false
}

// Covers reports whether p holds every permission of r where r would act
// (inside team, or account-wide when team is ""), so that p may give r to
// someone: nobody gives more than they hold. Otherwise it returns the
// first permission p lacks.
func (p Principal) Covers(r Role, team string) (Action, bool) {
	for _, a := range r.Permissions {
		held := p.grantsIn(a, team) || (a == SignAssigned && p.grantsIn(Sign, team))
		if !held {
			return a, false
		}
	}
	return "", true
}
