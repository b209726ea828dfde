package auth

import (
	"context"
	"slices"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
)

// GroupRequest is the body of a group creation.
type GroupRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func groupTarget(action, name string) guard.Target {
	return guard.Target{Type: "Group", Action: action, ID: name, Name: name}
}

// CreateGroup creates a group (user.manage).
func (s *Service) CreateGroup(ctx context.Context, p policy.Principal, r GroupRequest) (*Group, error) {
	t := groupTarget("Create", r.Name)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return nil, err
	}
	if err := checkName("group", r.Name); err != nil {
		return nil, err
	}
	g := &Group{Name: r.Name, Description: r.Description, Members: []string{}, CreatedAt: s.now()}
	if err := s.Store.CreateGroup(ctx, g, s.event(ctx, p, t)); err != nil {
		return nil, storeErr(err, "group "+r.Name)
	}
	return g, nil
}

// ListGroups lists groups with their members (user.manage).
func (s *Service) ListGroups(ctx context.Context, p policy.Principal) ([]*Group, error) {
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, groupTarget("List", "")); err != nil {
		return nil, err
	}
	gs, err := s.Store.ListGroups(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return gs, nil
}

// DeleteGroup deletes a group, taking it out of every user and team
// (user.manage).
func (s *Service) DeleteGroup(ctx context.Context, p policy.Principal, name string) error {
	t := groupTarget("Delete", name)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return err
	}
	return storeErr(s.Store.DeleteGroup(ctx, name, s.event(ctx, p, t)), "group "+name)
}

// SetGroupMember adds a user to a group (in=true) or takes it out
// (user.manage; adding needs every permission the group carries in teams
// as well).
func (s *Service) SetGroupMember(ctx context.Context, p policy.Principal, group, userRef string, in bool) (*User, error) {
	action := "Add-member"
	if !in {
		action = "Remove-member"
	}
	t := groupTarget(action, group)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return nil, err
	}
	u, err := s.user(ctx, userRef)
	if err != nil {
		return nil, err
	}
	has := slices.Contains(u.Groups, group)
	switch {
	case in && has, !in && !has:
		return u, nil
	case in:
		if err := s.checkAssignment(ctx, p, nil, []string{group}, t); err != nil {
			return nil, err
		}
		if err := s.mayJoin(ctx, p, []string{group}, t); err != nil {
			return nil, err
		}
		u.Groups = append(u.Groups, group)
	default:
		u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == group })
	}
	ev := s.event(ctx, p, t)
	ev.Details = map[string]string{"user": u.Name}
	if err := s.Store.UpdateUser(ctx, u, ev); err != nil {
		return nil, storeErr(err, "user "+u.Name)
	}
	return u, nil
}
