package auth

import (
	"context"
	"net/mail"
	"slices"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
)

// UserRequest is the body of a user creation.
type UserRequest struct {
	Name   string   `json:"name"`
	Email  string   `json:"email,omitempty"`
	Type   string   `json:"type,omitempty"` // standard (default) or service
	Roles  []string `json:"roles,omitempty"`
	Groups []string `json:"groups,omitempty"`
	// Password is the initial password of a standard user (optional).
	Password string `json:"password,omitempty"`
}

// UserUpdate changes the fields that are set.
type UserUpdate struct {
	Email  *string   `json:"email,omitempty"`
	Roles  *[]string `json:"roles,omitempty"`
	Groups *[]string `json:"groups,omitempty"`
}

func userTarget(action string, u *User) guard.Target {
	return guard.Target{Type: "User", Action: action, ID: u.ID, Name: u.Name}
}

// CreateUser creates a user (user.manage; the caller must hold every
// permission of its roles and of what its groups carry in teams).
func (s *Service) CreateUser(ctx context.Context, p policy.Principal, r UserRequest) (*User, error) {
	if r.Type == "" {
		r.Type = UserStandard
	}
	u := &User{ID: uuid.Must(uuid.NewV7()).String(), Name: r.Name, Email: r.Email, Type: r.Type,
		Roles: nonNil(r.Roles), Groups: nonNil(r.Groups), CreatedAt: s.now()}
	t := userTarget("Create", u)
	// A password opens a web session, which issues client certificates.
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage, IssuesSecondFactor: r.Password != ""}, t); err != nil {
		return nil, err
	}
	if err := checkName("user", r.Name); err != nil {
		return nil, err
	}
	if err := checkEmail(r.Email); err != nil {
		return nil, err
	}
	switch {
	case r.Type != UserStandard && r.Type != UserService:
		return nil, errs.BadRequest("invalid_type", "type must be standard or service, got %q", r.Type)
	case r.Type == UserService && r.Password != "":
		return nil, errs.BadRequest("invalid_password", "service users sign in with API tokens only: they have no password")
	}
	if err := s.checkAssignment(ctx, p, u.Roles, u.Groups, t); err != nil {
		return nil, err
	}
	if err := s.mayJoin(ctx, p, u.Groups, t); err != nil {
		return nil, err
	}
	var hash string
	if r.Password != "" {
		if err := checkPassword(r.Password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = s.hash(ctx, r.Password); err != nil {
			return nil, err
		}
	}
	if err := s.Store.CreateUser(ctx, u, s.event(ctx, p, t)); err != nil {
		return nil, storeErr(err, "user "+r.Name)
	}
	if hash != "" {
		if err := s.Store.SetPassword(ctx, u.ID, hash, s.event(ctx, p, userTarget("Password", u))); err != nil {
			return nil, errs.Internal(err)
		}
	}
	return u, nil
}

// checkAssignment checks that the groups exist and that p may give the roles.
func (s *Service) checkAssignment(ctx context.Context, p policy.Principal, roles, groups []string, t guard.Target) error {
	if len(groups) > 0 {
		all, err := s.Store.ListGroups(ctx)
		if err != nil {
			return errs.Internal(err)
		}
		for _, g := range groups {
			if !slices.ContainsFunc(all, func(x *Group) bool { return x.Name == g }) {
				return errs.BadRequest("unknown_group", "no group %q: create it first", g)
			}
		}
	}
	return s.mayGrant(ctx, p, roles, "", t)
}

// subjectOf is what u holds, for policy: its account-wide roles and the
// roles it holds in teams, directly or through its groups.
func (s *Service) subjectOf(ctx context.Context, u *User) (*policy.Subject, error) {
	grants, err := s.Store.UserGrants(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	g := grants[u.ID]
	kps, err := s.allowedKeypairs(ctx, func(kp policy.Keypair) bool {
		return slices.Contains(kp.AllowedUsers, u.ID) ||
			slices.ContainsFunc(u.Groups, func(g string) bool { return slices.Contains(kp.AllowedGroups, g) })
	})
	if err != nil {
		return nil, err
	}
	return &policy.Subject{Name: "user " + u.Name, Roles: u.Roles, Teams: g.Teams, Custom: g.Custom, Keypairs: kps}, nil
}

// allowedKeypairs lists the restricted keypairs whose allow-list on picks.
func (s *Service) allowedKeypairs(ctx context.Context, on func(policy.Keypair) bool) ([]policy.Keypair, error) {
	all, err := s.Store.RestrictedKeypairs(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return slices.DeleteFunc(all, func(kp policy.Keypair) bool { return !on(kp) }), nil
}

// actOn checks that p may act on another user u in a way that lets p act
// as u (its credentials, password or TOTP, enabling it): user.manage, and
// every permission u holds, where u holds it. Acting on oneself needs
// neither here.
func (s *Service) actOn(ctx context.Context, p policy.Principal, u *User, req policy.Request, t guard.Target) error {
	req.Action = policy.UserManage
	if u.ID != p.UserID {
		subject, err := s.subjectOf(ctx, u)
		if err != nil {
			return err
		}
		req.Subject = subject
	}
	return s.check(ctx, p, req, t)
}

// mayJoin checks that p holds every permission each group carries (the
// roles it holds in teams), so that p may put someone in it: nobody gives
// more than they hold.
func (s *Service) mayJoin(ctx context.Context, p policy.Principal, groups []string, t guard.Target) error {
	if len(groups) == 0 {
		return nil
	}
	teams, err := s.Store.ListTeams(ctx)
	if err != nil {
		return errs.Internal(err)
	}
	defs, err := s.roleDefs(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		carried := map[string][]string{}
		for _, tm := range teams {
			for _, m := range tm.Members {
				if m.Kind == MemberGroup && m.Member == g {
					carried[tm.Name] = append(carried[tm.Name], m.Roles...)
				}
			}
		}
		kps, err := s.allowedKeypairs(ctx, func(kp policy.Keypair) bool { return slices.Contains(kp.AllowedGroups, g) })
		if err != nil {
			return err
		}
		subject := &policy.Subject{Name: "group " + g, Teams: carried, Custom: defs, Keypairs: kps}
		if err := s.check(ctx, p, policy.Request{Action: policy.UserManage, Subject: subject}, t); err != nil {
			return err
		}
	}
	return nil
}

// GetUser returns a user: oneself, or anyone with user.manage.
func (s *Service) GetUser(ctx context.Context, p policy.Principal, ref string) (*User, error) {
	u, err := s.user(ctx, ref)
	if err != nil || u.ID == p.UserID {
		return u, err
	}
	return u, s.check(ctx, p, policy.Request{Action: policy.UserManage}, userTarget("Describe", u))
}

// ListUsers lists every user (user.manage).
func (s *Service) ListUsers(ctx context.Context, p policy.Principal) ([]*User, error) {
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, guard.Target{Type: "User", Action: "List"}); err != nil {
		return nil, err
	}
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return us, nil
}

// UpdateUser changes a user's email, roles or groups (user.manage; the
// caller must hold every permission of the roles it gives and of what the
// groups it adds carry in teams).
func (s *Service) UpdateUser(ctx context.Context, p policy.Principal, ref string, r UserUpdate) (*User, error) {
	u, err := s.user(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := userTarget("Update", u)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return nil, err
	}
	var newRoles []string
	if r.Email != nil {
		if err := checkEmail(*r.Email); err != nil {
			return nil, err
		}
		u.Email = *r.Email
	}
	if r.Roles != nil {
		for _, role := range *r.Roles {
			if !slices.Contains(u.Roles, role) {
				newRoles = append(newRoles, role)
			}
		}
		u.Roles = nonNil(*r.Roles)
	}
	var joined []string
	if r.Groups != nil {
		for _, g := range *r.Groups {
			if !slices.Contains(u.Groups, g) {
				joined = append(joined, g)
			}
		}
		u.Groups = nonNil(*r.Groups)
	}
	if err := s.checkAssignment(ctx, p, newRoles, u.Groups, t); err != nil {
		return nil, err
	}
	if err := s.mayJoin(ctx, p, joined, t); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateUser(ctx, u, s.event(ctx, p, t)); err != nil {
		return nil, storeErr(err, "user "+u.Name)
	}
	return u, nil
}

// SetDisabled disables a user, revoking all its credentials at once, or
// enables it again (user.manage; enabling, as it lets the user act again,
// needs every permission the user holds as well). Revoked credentials stay
// revoked.
func (s *Service) SetDisabled(ctx context.Context, p policy.Principal, ref string, disabled bool) (*User, error) {
	u, err := s.user(ctx, ref)
	if err != nil {
		return nil, err
	}
	action := "Enable"
	if disabled {
		action = "Disable"
	}
	t := userTarget(action, u)
	if disabled {
		err = s.check(ctx, p, policy.Request{Action: policy.UserManage}, t)
	} else {
		err = s.actOn(ctx, p, u, policy.Request{}, t)
	}
	if err != nil {
		return nil, err
	}
	if u.ID == p.UserID && disabled {
		return nil, errs.Conflict("cannot_disable_self", "you cannot disable yourself")
	}
	if err := s.Store.SetUserDisabled(ctx, u.ID, disabled, s.now(), s.event(ctx, p, t)); err != nil {
		return nil, storeErr(err, "user "+u.Name)
	}
	u.Disabled = disabled
	return u, nil
}

// DeleteUser deletes a user with its credentials (user.manage).
func (s *Service) DeleteUser(ctx context.Context, p policy.Principal, ref string) error {
	u, err := s.user(ctx, ref)
	if err != nil {
		return err
	}
	t := userTarget("Delete", u)
	if err := s.check(ctx, p, policy.Request{Action: policy.UserManage}, t); err != nil {
		return err
	}
	if u.ID == p.UserID {
		return errs.Conflict("cannot_delete_self", "you cannot delete yourself")
	}
	return storeErr(s.Store.DeleteUser(ctx, u.ID, s.event(ctx, p, t)), "user "+u.Name)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkEmail accepts an empty address (none) or one plain address such as
// alice@example.com: notifications are sent to it.
func checkEmail(addr string) error {
	if addr == "" {
		return nil
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" || len(addr) > 254 {
		return errs.BadRequest("invalid_email", "email must be one plain address such as alice@example.com, got %q", addr)
	}
	return nil
}
