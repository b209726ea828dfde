package ca

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
)

// BeforeGenerate applies the keypair profile the request names, refuses a
// request without one when the account requires it, and checks a
// certificate request before any key is made.
func (s *Service) BeforeGenerate(ctx context.Context, p policy.Principal, r *keypair.CreateRequest) error {
	settings, err := s.Profiles.ProfileSettings(ctx)
	if err != nil {
		return errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the profile settings")
	}
	if r.Profile == "" && settings.RequireKeypairProfile {
		return errs.BadRequest("profile_required", "the account requires a keypair profile: name one in \"profile\"")
	}
	if r.Profile != "" {
		prof, err := s.Profiles.GetKeypairProfile(ctx, r.Profile)
		if err != nil {
			return storeErr(err, errs.BadRequest("keypair_profile_not_found", "no keypair profile named %q", r.Profile))
		}
		if prof.Team != "" {
			if r.Team != "" && r.Team != prof.Team {
				return errs.BadRequest("profile_team_mismatch", "keypair profile %s belongs to team %s, not %s", prof.Name, prof.Team, r.Team)
			}
			r.Team = prof.Team
		}
		if err := prof.apply(r); err != nil {
			return err
		}
	}
	if !r.GenerateCert {
		return nil
	}
	t := guard.Target{Type: "Certificate", Action: "Generate", Name: r.Alias}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertGenerate, Team: r.Team}, t); err != nil {
		return err
	}
	category := r.Category
	if category == "" {
		category = keypair.CategoryProduction
	}
	prof, err := s.usableCertProfile(ctx, p, t, r.CertProfile, category, r.Team)
	if err != nil {
		return err
	}
	if err := prof.issuable(); err != nil {
		return err
	}
	// An issuer that signs nothing now refuses before the key is made.
	if issuer, err := s.authority(ctx, prof.Issuer); err == nil {
		return s.usable(ctx, issuer)
	}
	return nil
}

// AfterGenerate sets a test keypair's expiry and issues the certificate the
// request asks for.
func (s *Service) AfterGenerate(ctx context.Context, p policy.Principal, kp *keypair.Keypair, r keypair.CreateRequest) error {
	if kp.Category == keypair.CategoryTest {
		life := MaxTestKeypairLife
		if r.Profile != "" {
			if prof, err := s.Profiles.GetKeypairProfile(ctx, r.Profile); err == nil && prof.ExpiresAfter != nil {
				life = prof.ExpiresAfter.D
			}
		}
		if err := s.Profiles.SetKeypairExpiry(ctx, kp.ID, kp.CreatedAt.Add(life)); err != nil {
			return errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable",
				"keypair %s was created, but its expiry could not be recorded", kp.Alias)
		}
	}
	if !r.GenerateCert {
		return nil
	}
	if _, err := s.issue(ctx, p, kp, r.CertProfile, true, r.AutoRenew, "Generate", nil); err != nil {
		e := errs.As(err)
		return errs.Wrap(err, e.Status, e.Code, "keypair %s was created, but its certificate was not issued (%s); retry with POST /api/v1/keypairs/%s/certificates",
			kp.Alias, e.Message, kp.Alias)
	}
	return nil
}

// AfterRotate gives a keypair whose key was replaced a new default
// certificate under the profile of the old one, with its subject, if it
// had an issued one.
//
// The rotation stands if that fails (the old key is already destroyed):
// the failure is logged and audited as a failed Certificate/Refresh, and
// the keypair keeps its old default certificate, which [Service.RunJobs]
// finds stale and reissues for the current generation on its next run,
// until it succeeds. Signatures made meanwhile verify under the
// certificate issued then, which is for the same key.
func (s *Service) AfterRotate(ctx context.Context, kp *keypair.Keypair) {
	err := s.follow(ctx, kp)
	if err == nil {
		return
	}
	s.log().Error("certificate for a rotated key; the PKI job retries", "keypair", kp.Alias, "generation", kp.Generation, "err", err)
	ev := s.Guard.Event(ctx, system, certTarget("Refresh", kp), audit.Failed, errs.As(err).Message)
	ev.Details = map[string]string{"generation": strconv.Itoa(kp.Generation), "retry": "by the PKI job"}
	if cerr := s.Guard.Journal.Commit(ctx, journal.Entry{Events: []*audit.Event{ev}}); cerr != nil {
		s.log().Error("auditing a failed certificate refresh", "keypair", kp.Alias, "err", cerr)
	}
}

// follow issues the certificate of kp's generation. Rotations may overtake
// each other's hooks (a per-signature key is replaced again as soon as its
// new generation has signed), so a later generation may be certified
// first: kp's key, which may have signed already, still gets its
// certificate, but the default is left to the newest generation's hook.
func (s *Service) follow(ctx context.Context, kp *keypair.Keypair) error {
	defs, err := s.Store.DefaultCertificates(ctx, []string{kp.ID})
	if err != nil {
		return err
	}
	c, ok := defs[kp.ID]
	if !ok || c.Source != SourceIssued || c.RevokedAt != nil || c.Generation == kp.Generation {
		return nil
	}
	isDefault := c.Generation < kp.Generation
	if cur, err := s.getKeypair(ctx, kp.ID); err == nil && cur.Generation != kp.Generation {
		isDefault = false // replaced meanwhile: its own hook (or the PKI job) sets the default
	}
	_, err = s.issue(ctx, system, kp, c.Profile, isDefault, c.AutoRenew && isDefault, "Refresh", c)
	if e := (*errs.Error)(nil); errors.As(err, &e) && e.Code == "certificate_exists" {
		return nil
	}
	return err
}
