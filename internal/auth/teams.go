package auth

import (
	"context"
	"errors"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// TeamRequest is the body of a team creation.
type TeamRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// MemberRequest adds a member to a team, or replaces its roles there.
type MemberRequest struct {
	Kind   string   `json:"kind"`   // user or group
	Member string   `json:"member"` // user id or name, or group name
	Roles  []string `json:"roles,omitempty"`
}

func teamTarget(action, name string) guard.Target {
	return guard.Target{Type: "Team", Action: action, ID: name, Name: name}
}

// CreateTeam creates a team (team.manage account-wide: a Lead).
func (s *Service) CreateTeam(ctx context.Context, p policy.Principal, r TeamRequest) (*Team, error) {
	t := teamTarget("Create", r.Name)
	if err := s.check(ctx, p, policy.Request{Action: policy.TeamManage}, t); err != nil {
		return nil, err
	}
	if err := checkName("team", r.Name); err != nil {
		return nil, err
	}
	tm := &Team{Name: r.Name, Description: r.Description, Members: []TeamMember{}, CreatedAt: s.now()}
	if err := s.Store.CreateTeam(ctx, tm, s.event(ctx, p, t)); err != nil {
		return nil, storeErr(err, "team "+r.Name)
	}
	return tm, nil
}

// team finds a team, with a 404 error.
func (s *Service) team(ctx context.Context, name string) (*Team, error) {
	tm, err := s.Store.GetTeam(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound("team_not_found", "no team %q", name)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	return tm, s.nameMembers(ctx, tm)
}

// nameMembers fills in the names of the teams' user members.
func (s *Service) nameMembers(ctx context.Context, teams ...*Team) error {
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return errs.Internal(err)
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for _, tm := range teams {
		for i, m := range tm.Members {
			if m.Kind == MemberUser {
				tm.Members[i].Name = names[m.Member]
			}
		}
	}
	return nil
}

// GetTeam describes a team to its members and to whoever manages it.
func (s *Service) GetTeam(ctx context.Context, p policy.Principal, name string) (*Team, error) {
	tm, err := s.team(ctx, name)
	if err != nil {
		return nil, err
	}
	if _, member := p.Teams[name]; member {
		return tm, nil
	}
	return tm, s.check(ctx, p, policy.Request{Action: policy.TeamManage, Team: name}, teamTarget("Describe", name))
}

// ListTeams lists the teams the caller belongs to or may manage.
func (s *Service) ListTeams(ctx context.Context, p policy.Principal) ([]*Team, error) {
	all, err := s.Store.ListTeams(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := []*Team{}
	for _, tm := range all {
		_, member := p.Teams[tm.Name]
		if member || policy.Authorize(p, policy.Request{Action: policy.TeamManage, Team: tm.Name}, s.Guard.Now()).Allow {
			out = append(out, tm)
		}
	}
	return out, s.nameMembers(ctx, out...)
}

// DeleteTeam deletes a team (a Lead). Keypairs and releases keep its name.
func (s *Service) DeleteTeam(ctx context.Context, p policy.Principal, name string) error {
	t := teamTarget("Delete", name)
	if err := s.check(ctx, p, policy.Request{Action: policy.TeamManage}, t); err != nil {
		return err
	}
	return storeErr(s.Store.DeleteTeam(ctx, name, s.event(ctx, p, t)), "team "+name)
}

// SetTeamMember adds a user or group to a team, or replaces the roles it
// holds there (team.manage in that team: its team lead, or a Lead; while
// teams are off, a Lead only, see policy). The caller must hold, in the
// team, every permission of the roles it gives.
func (s *Service) SetTeamMember(ctx context.Context, p policy.Principal, team string, r MemberRequest) (*Team, error) {
	t := teamTarget("Set-member", team)
	if err := s.check(ctx, p, policy.Request{Action: policy.TeamManage, Team: team}, t); err != nil {
		return nil, err
	}
	m, err := s.member(ctx, r.Kind, r.Member)
	if err != nil {
		return nil, err
	}
	m.Roles = nonNil(r.Roles)
	if err := s.mayGrant(ctx, p, m.Roles, team, t); err != nil {
		return nil, err
	}
	ev := s.event(ctx, p, t)
	ev.Details = map[string]string{"kind": m.Kind, "member": r.Member}
	if err := s.Store.SetTeamMember(ctx, team, m, ev); err != nil {
		return nil, storeErr(err, "team "+team)
	}
	return s.team(ctx, team)
}

// RemoveTeamMember takes a user or group out of a team (team.manage there;
// while teams are off, a Lead only).
func (s *Service) RemoveTeamMember(ctx context.Context, p policy.Principal, team, kind, ref string) (*Team, error) {
	t := teamTarget("Remove-member", team)
	if err := s.check(ctx, p, policy.Request{Action: policy.TeamManage, Team: team}, t); err != nil {
		return nil, err
	}
	m, err := s.member(ctx, kind, ref)
	if err != nil {
		return nil, err
	}
	ev := s.event(ctx, p, t)
	ev.Details = map[string]string{"kind": m.Kind, "member": ref}
	if err := s.Store.RemoveTeamMember(ctx, team, m.Kind, m.Member, ev); err != nil {
		return nil, storeErr(err, "member "+ref+" in team "+team)
	}
	return s.team(ctx, team)
}

// member resolves a team member reference: a user by id or name (stored
// by id), or a group by name.
func (s *Service) member(ctx context.Context, kind, ref string) (TeamMember, error) {
	switch kind {
	case MemberUser:
		u, err := s.user(ctx, ref)
		if err != nil {
			return TeamMember{}, err
		}
		return TeamMember{Kind: kind, Member: u.ID}, nil
	case MemberGroup:
		gs, err := s.Store.ListGroups(ctx)
		if err != nil {
			return TeamMember{}, errs.Internal(err)
		}
		for _, g := range gs {
			if g.Name == ref {
				return TeamMember{Kind: kind, Member: ref}, nil
			}
		}
		return TeamMember{}, errs.NotFound("group_not_found", "no group %q", ref)
	}
	return TeamMember{}, errs.BadRequest("invalid_kind", "kind must be user or group, got %q", kind)
}
