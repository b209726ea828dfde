package ca

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Profile kinds, for audit records and errors.
const (
	certKind    = "certificate"
	keypairKind = "keypair"
)

func profileTarget(action, name string) guard.Target {
	return guard.Target{Type: "Profile", Action: action, ID: name, Name: name}
}

// CertProfiles lists the certificate profiles p may view (profile.view;
// a team's profiles to those who may view them in that team).
func (s *Service) CertProfiles(ctx context.Context, p policy.Principal) ([]*CertProfile, error) {
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileView}, profileTarget("List", "")); err != nil {
		return nil, err
	}
	ps, err := s.Profiles.ListCertProfiles(ctx)
	return slices.DeleteFunc(ps, func(prof *CertProfile) bool { return !s.mayView(p, prof.Team) }), storeErr(err, nil)
}

// mayView reports whether p may view a profile of team ("" for none), as
// describing it would decide.
func (s *Service) mayView(p policy.Principal, team string) bool {
	return policy.Authorize(p, policy.Request{Action: policy.ProfileView, Team: team}, s.Guard.Now()).Allow
}

// CertProfile returns one certificate profile (profile.view).
func (s *Service) CertProfile(ctx context.Context, p policy.Principal, name string) (*CertProfile, error) {
	prof, err := s.Profiles.GetCertProfile(ctx, name)
	if err != nil {
		return nil, storeErr(err, notFound(certKind, name))
	}
	req := policy.Request{Action: policy.ProfileView, Team: prof.Team}
	if err := s.Guard.Check(ctx, p, req, profileTarget("Describe", name)); err != nil {
		return nil, err
	}
	return prof, nil
}

// PutCertProfile creates (create=true) or replaces a certificate profile
// (profile.manage, in the profile's team if it has one).
func (s *Service) PutCertProfile(ctx context.Context, p policy.Principal, prof *CertProfile, create bool) (*CertProfile, error) {
	action := map[bool]string{true: "Create", false: "Update"}[create]
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: prof.Team}, profileTarget(action, prof.Name)); err != nil {
		return nil, err
	}
	if err := prof.Normalize(); err != nil {
		return nil, err
	}
	if !create {
		old, err := s.Profiles.GetCertProfile(ctx, prof.Name)
		if err != nil {
			return nil, storeErr(err, notFound(certKind, prof.Name))
		}
		if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: old.Team}, profileTarget(action, prof.Name)); err != nil {
			return nil, err
		}
		prof.CreatedAt = old.CreatedAt
	}
	now := s.now()
	if create {
		prof.CreatedAt = now
	}
	prof.UpdatedAt = now
	ev := s.Guard.Event(ctx, p, profileTarget(action, prof.Name), audit.Allowed, "")
	ev.Details = map[string]string{"kind": certKind, "category": prof.Category, "validity": prof.Validity.String()}
	return prof, putErr(s.Profiles.PutCertProfile(ctx, prof, create, ev), certKind, prof.Name)
}

// DeleteCertProfile deletes a certificate profile (profile.manage).
// Certificates issued under it keep its name; they no longer renew.
func (s *Service) DeleteCertProfile(ctx context.Context, p policy.Principal, name string) error {
	prof, err := s.Profiles.GetCertProfile(ctx, name)
	if err != nil {
		return storeErr(err, notFound(certKind, name))
	}
	t := profileTarget("Delete", name)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: prof.Team}, t); err != nil {
		return err
	}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"kind": certKind}
	return storeErr(s.Profiles.DeleteCertProfile(ctx, name, ev), notFound(certKind, name))
}

// KeypairProfiles lists the keypair profiles p may view (profile.view; a
// team's profiles to those who may view them in that team).
func (s *Service) KeypairProfiles(ctx context.Context, p policy.Principal) ([]*KeypairProfile, error) {
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileView}, profileTarget("List", "")); err != nil {
		return nil, err
	}
	ps, err := s.Profiles.ListKeypairProfiles(ctx)
	return slices.DeleteFunc(ps, func(prof *KeypairProfile) bool { return !s.mayView(p, prof.Team) }), storeErr(err, nil)
}

// KeypairProfile returns one keypair profile (profile.view).
func (s *Service) KeypairProfile(ctx context.Context, p policy.Principal, name string) (*KeypairProfile, error) {
	prof, err := s.Profiles.GetKeypairProfile(ctx, name)
	if err != nil {
		return nil, storeErr(err, notFound(keypairKind, name))
	}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileView, Team: prof.Team}, profileTarget("Describe", name)); err != nil {
		return nil, err
	}
	return prof, nil
}

// PutKeypairProfile creates or replaces a keypair profile (profile.manage).
func (s *Service) PutKeypairProfile(ctx context.Context, p policy.Principal, prof *KeypairProfile, create bool) (*KeypairProfile, error) {
	action := map[bool]string{true: "Create", false: "Update"}[create]
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: prof.Team}, profileTarget(action, prof.Name)); err != nil {
		return nil, err
	}
	if err := prof.Normalize(); err != nil {
		return nil, err
	}
	if prof.ExpiresAfter != nil && prof.category() != CategoryTest {
		return nil, errs.BadRequest("invalid_expires_after", "expires_after applies to profiles that fix category \"test\"")
	}
	if !create {
		old, err := s.Profiles.GetKeypairProfile(ctx, prof.Name)
		if err != nil {
			return nil, storeErr(err, notFound(keypairKind, prof.Name))
		}
		if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: old.Team}, profileTarget(action, prof.Name)); err != nil {
			return nil, err
		}
		prof.CreatedAt = old.CreatedAt
	}
	now := s.now()
	if create {
		prof.CreatedAt = now
	}
	prof.UpdatedAt = now
	ev := s.Guard.Event(ctx, p, profileTarget(action, prof.Name), audit.Allowed, "")
	ev.Details = map[string]string{"kind": keypairKind, "fields": strconv.Itoa(len(prof.Fields))}
	return prof, putErr(s.Profiles.PutKeypairProfile(ctx, prof, create, ev), keypairKind, prof.Name)
}

// DeleteKeypairProfile deletes a keypair profile (profile.manage).
func (s *Service) DeleteKeypairProfile(ctx context.Context, p policy.Principal, name string) error {
	prof, err := s.Profiles.GetKeypairProfile(ctx, name)
	if err != nil {
		return storeErr(err, notFound(keypairKind, name))
	}
	t := profileTarget("Delete", name)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileManage, Team: prof.Team}, t); err != nil {
		return err
	}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"kind": keypairKind}
	return storeErr(s.Profiles.DeleteKeypairProfile(ctx, name, ev), notFound(keypairKind, name))
}

// Settings returns the profile settings (profile.view).
func (s *Service) Settings(ctx context.Context, p policy.Principal) (Settings, error) {
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.ProfileView}, guard.Target{Type: "Settings", Action: "Describe"}); err != nil {
		return Settings{}, err
	}
	st, err := s.Profiles.ProfileSettings(ctx)
	return st, storeErr(err, nil)
}

// SetSettings changes the profile settings (settings.manage).
func (s *Service) SetSettings(ctx context.Context, p policy.Principal, st Settings) (Settings, error) {
	t := guard.Target{Type: "Settings", Action: "Update", Name: "profiles"}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.SettingsManage}, t); err != nil {
		return Settings{}, err
	}
	st.UpdatedAt = s.now()
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"require_keypair_profile": strconv.FormatBool(st.RequireKeypairProfile)}
	return st, storeErr(s.Profiles.SetProfileSettings(ctx, st, ev), nil)
}

func notFound(kind, name string) *errs.Error {
	return errs.NotFound("profile_not_found", "no %s profile named %q", kind, name)
}

func putErr(err error, kind, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConflict):
		return errs.Conflict("profile_exists", "a %s profile named %q exists", kind, name)
	case errors.Is(err, store.ErrNotFound):
		return notFound(kind, name)
	}
	return errs.Internal(err)
}
