package policy

import (
	"maps"
	"slices"
)

// Subject is what a user (or a group) holds, for an action by another that
// lets the actor act as it or with it: the actor must cover every
// permission of it, where it acts (see [Principal.Covers]).
type Subject struct {
	Name   string              // what messages call it: "user bob", "group ci"
	Roles  []string            // held account-wide
	Teams  map[string][]string // team -> roles held inside it, directly or through a group
	Custom map[string]Role     // the custom roles named in Roles and Teams
	// Keypairs are the restricted keypairs whose allow-list names s (a
	// group: the group itself): acting as s signs with them, so the caller
	// must be on each list too, or may change it (keypair.manage there).
	Keypairs []Keypair
}

// role returns the definition of a role s holds; false for a role that no
// longer exists (it grants nothing).
func (s Subject) role(name string) (Role, bool) {
	if r, ok := BuiltIn[name]; ok {
		return r, true
	}
	r, ok := s.Custom[name]
	return r, ok
}

// coverSubject allows when p holds every permission of s where s holds it:
// its account-wide roles account-wide, its team roles in their teams
// (whether or not teams are on now: they act once teams are on).
func (p Principal) coverSubject(s Subject) Decision {
	check := func(name, team string) Decision {
		r, ok := s.role(name)
		if !ok {
			return Decision{Allow: true}
		}
		if a, ok := p.Covers(r, team); !ok {
			where := "account-wide"
			if team != "" {
				where = "in team " + team
			}
			return deny("permission_denied", s.Name+" holds permission "+string(a)+" (role "+name+" "+where+
				"), which you do not hold there: acting as someone, or with a group's roles, needs every permission they hold")
		}
		return Decision{Allow: true}
	}
	for _, name := range s.Roles {
		if d := check(name, ""); !d.Allow {
			return d
		}
	}
	for _, team := range slices.Sorted(maps.Keys(s.Teams)) {
		for _, name := range s.Teams[team] {
			if d := check(name, team); !d.Allow {
				return d
			}
		}
	}
	for _, kp := range s.Keypairs {
		team := ""
		if p.TeamsOn {
			team = kp.Team
		}
		if !kp.assignedTo(p) && !p.grantsIn(KeypairManage, team) {
			return deny("permission_denied", s.Name+" is on the allow-list of restricted keypair "+kp.ID+
				", and you are not (nor may you change it): acting as someone needs every keypair they may sign with")
		}
	}
	return Decision{Allow: true}
}
