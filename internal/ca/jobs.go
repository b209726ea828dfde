package ca

import (
	"context"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/store"
)

// JobReport counts what one run of the periodic jobs did.
type JobReport struct {
	CRLs    int // CRLs published
	Renewed int // certificates renewed, or reissued for a rotated key
	Expired int // test keypairs whose key was destroyed
}

// RunJobs does the CA's periodic work once: publish the CRLs that are due,
// renew auto-renewing default certificates near their end (and give
// rotated keys new certificates), and destroy the keys of expired test
// keypairs. Every step is idempotent, so several nodes may run it; the
// server runs it under a lease so that one does.
func (s *Service) RunJobs(ctx context.Context) (JobReport, error) {
	var rep JobReport
	var all []error
	h, err := s.hierarchy(ctx)
	if err != nil {
		return rep, err
	}
	// CAs other nodes made get their CRLs too. If one cannot be loaded
	// here (its key backend is not configured on this node), the others'
	// work goes on.
	if nh, err := s.reload(ctx, h, true); err != nil {
		all = append(all, fmt.Errorf("reloading the CA hierarchy: %w", err))
	} else {
		h = nh
	}
	for _, a := range h.list {
		if a.Kind == KindTSA {
			continue
		}
		crl, err := s.Store.GetCRL(ctx, a.ID)
		if err == nil && !s.crlDue(crl) {
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			all = append(all, err)
			continue
		}
		if _, err := s.regenerateCRL(ctx, a.ID, ""); err != nil {
			all = append(all, fmt.Errorf("CRL of %s: %w", a.Name, err))
			continue
		}
		rep.CRLs++
	}
	n, err := s.renew(ctx)
	rep.Renewed = n
	all = append(all, err)
	n, err = s.expire(ctx)
	rep.Expired = n
	all = append(all, err)
	return rep, errors.Join(all...)
}

// renew reissues the certificates that are due, each with the subject of
// the one it replaces.
func (s *Service) renew(ctx context.Context) (int, error) {
	conf, now := s.conf(), s.now()
	due, err := s.Store.RenewalDue(ctx, now.Add(conf.RenewBefore), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	var all []error
	for _, c := range due {
		kp, err := s.getKeypair(ctx, c.KeypairID)
		if err != nil {
			all = append(all, err)
			continue
		}
		stale := c.Generation != kp.Generation
		window := min(conf.RenewBefore, c.NotAfter.Sub(c.NotBefore)/3)
		if !stale && c.NotAfter.Sub(now) > window {
			continue
		}
		action := "Renew"
		if stale {
			action = "Refresh"
		}
		if _, err := s.issue(ctx, system, kp, c.Profile, true, c.AutoRenew, action, c); err != nil {
			all = append(all, fmt.Errorf("renewing the certificate of %s: %w", kp.Alias, err))
			continue
		}
		n++
	}
	return n, errors.Join(all...)
}

// expire destroys the keys of expired keypairs.
func (s *Service) expire(ctx context.Context) (int, error) {
	ids, err := s.Profiles.ExpiredKeypairs(ctx, s.now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	var all []error
	for _, id := range ids {
		if _, err := s.Keypairs.Expire(ctx, id); err != nil {
			all = append(all, err)
			continue
		}
		n++
	}
	return n, errors.Join(all...)
}
