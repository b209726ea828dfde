package auth

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
)

// RoleRequest defines a custom role: a set of the built-in permissions.
type RoleRequest struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Scope       string          `json:"scope,omitempty"` // account (default) or team
	Permissions []policy.Action `json:"permissions"`
}

func roleTarget(action, name string) guard.Target {
	return guard.Target{Type: "Role", Action: action, ID: name, Name: name}
}

// ListRoles lists the built-in roles and the custom ones, to any user.
func (s *Service) ListRoles(ctx context.Context) ([]policy.Role, error) {
	defs, err := s.roleDefs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Role, 0, len(defs))
	for _, r := range defs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b policy.Role) int {
		if a.BuiltIn != b.BuiltIn {
			if a.BuiltIn {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out, nil
}

// role validates a custom role definition and checks that p holds every
// permission it grants.
func (s *Service) role(ctx context.Context, p policy.Principal, r RoleRequest, t guard.Target) (*policy.Role, error) {
	if err := checkName("role", r.Name); err != nil {
		return nil, err
	}
	if _, ok := policy.BuiltIn[r.Name]; ok {
		return nil, errs.Conflict("builtin_role", "%s is a built-in role: it cannot be changed", r.Name)
	}
	if r.Scope == "" {
		r.Scope = policy.ScopeAccount
	}
	if r.Scope != policy.ScopeAccount && r.Scope != policy.ScopeTeam {
		return nil, errs.BadRequest("invalid_scope", "scope must be account or team, got %q", r.Scope)
	}
	perms := slices.Clone(r.Permissions)
	slices.Sort(perms)
	perms = slices.Compact(perms)
	if len(perms) == 0 {
		return nil, errs.BadRequest("invalid_permissions", "a role needs at least one permission")
	}
	for _, a := range perms {
		if !policy.Known(a) {
			return nil, errs.BadRequest("unknown_permission", "no permission %q", a)
		}
	}
	role := &policy.Role{Name: r.Name, Description: r.Description, Scope: r.Scope, Permissions: perms}
	if a, ok := p.Covers(*role, ""); !ok {
		return nil, s.Guard.Deny(ctx, p, t, errs.Forbidden("permission_denied", "a role with permission %s needs you to hold it", a))
	}
	return role, nil
}

// CreateRole creates a custom role (role.manage).
func (s *Service) CreateRole(ctx context.Context, p policy.Principal, r RoleRequest) (*policy.Role, error) {
	t := roleTarget("Create", r.Name)
	if err := s.check(ctx, p, policy.Request{Action: policy.RoleManage}, t); err != nil {
		return nil, err
	}
	role, err := s.role(ctx, p, r, t)
	if err != nil {
		return nil, err
	}
	return role, storeErr(s.Store.CreateRole(ctx, role, s.event(ctx, p, t)), "role "+r.Name)
}

// UpdateRole replaces a custom role's definition (role.manage); it acts at
// once for every holder.
func (s *Service) UpdateRole(ctx context.Context, p policy.Principal, name string, r RoleRequest) (*policy.Role, error) {
	r.Name = name
	t := roleTarget("Update", name)
	if err := s.check(ctx, p, policy.Request{Action: policy.RoleManage}, t); err != nil {
		return nil, err
	}
	role, err := s.role(ctx, p, r, t)
	if err != nil {
		return nil, err
	}
	return role, storeErr(s.Store.UpdateRole(ctx, role, s.event(ctx, p, t)), "role "+name)
}

// DeleteRole deletes a custom role nobody holds (role.manage).
func (s *Service) DeleteRole(ctx context.Context, p policy.Principal, name string) error {
	t := roleTarget("Delete", name)
	if err := s.check(ctx, p, policy.Request{Action: policy.RoleManage}, t); err != nil {
		return err
	}
	if _, ok := policy.BuiltIn[name]; ok {
		return errs.Conflict("builtin_role", "%s is a built-in role: it cannot be deleted", name)
	}
	return storeErr(s.Store.DeleteRole(ctx, name, s.event(ctx, p, t)), "role "+name+" (or it is held by a user or team member)")
}

// SettingsUpdate changes the settings that are set.
type SettingsUpdate struct {
	Require2FA            *bool `json:"require_2fa,omitempty"`
	TeamsEnabled          *bool `json:"teams_enabled,omitempty"`
	RequireKeypairProfile *bool `json:"require_keypair_profile,omitempty"`
	ReleaseApprovals      *int  `json:"release_approvals,omitempty"`
	RotationSeconds       *int  `json:"rotation_interval_seconds,omitempty"`
}

// Validate checks the bounds of the settings being changed.
func (r SettingsUpdate) Validate() error {
	if n := r.ReleaseApprovals; n != nil && (*n < 1 || *n > MaxReleaseApprovals) {
		return errs.BadRequest("invalid_release_approvals", "release_approvals must be from 1 to %d, got %d", MaxReleaseApprovals, *n)
	}
	if n := r.RotationSeconds; n != nil {
		if d := time.Duration(*n) * time.Second; d < MinRotation || d > MaxRotation {
			return errs.BadRequest("invalid_rotation_interval", "rotation_interval_seconds must be from %d (1m) to %d (24h), got %d",
				int(MinRotation/time.Second), int(MaxRotation/time.Second), *n)
		}
	}
	return nil
}

// details names the settings r changes with their new values, for the
// audit record.
func (r SettingsUpdate) details() map[string]string {
	d := map[string]string{}
	if r.Require2FA != nil {
		d["require_2fa"] = strconv.FormatBool(*r.Require2FA)
	}
	if r.TeamsEnabled != nil {
		d["teams_enabled"] = strconv.FormatBool(*r.TeamsEnabled)
	}
	if r.RequireKeypairProfile != nil {
		d["require_keypair_profile"] = strconv.FormatBool(*r.RequireKeypairProfile)
	}
	if r.ReleaseApprovals != nil {
		d["release_approvals"] = strconv.Itoa(*r.ReleaseApprovals)
	}
	if r.RotationSeconds != nil {
		d["rotation_interval_seconds"] = strconv.Itoa(*r.RotationSeconds)
	}
	return d
}

// Settings returns the account settings, to any user, with the defaults in
// place of the settings never set.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	set, err := s.Store.Settings(ctx)
	if err != nil {
		return set, errs.Internal(err)
	}
	return set.WithDefaults(), nil
}

// UpdateSettings changes the account settings (settings.manage).
func (s *Service) UpdateSettings(ctx context.Context, p policy.Principal, r SettingsUpdate) (Settings, error) {
	t := guard.Target{Type: "Settings", Action: "Update", ID: "account", Name: "account"}
	if err := s.check(ctx, p, policy.Request{Action: policy.SettingsManage}, t); err != nil {
		return Settings{}, err
	}
	if err := r.Validate(); err != nil {
		return Settings{}, err
	}
	// The store changes only the fields r sets, in one statement: reading
	// the settings here and writing them all back would lose a change made
	// meanwhile by another admin.
	ev := s.event(ctx, p, t)
	ev.Details = r.details()
	set, err := s.Store.UpdateSettings(ctx, r, s.now(), ev)
	if err != nil {
		return Settings{}, storeErr(err, "settings")
	}
	return set.WithDefaults(), nil
}
