package server

import (
	"context"
	"time"
)

// rotationLease names the lease under which one node of several rotates
// dynamic keys.
const rotationLease = "dynamic-key-rotation"

// runJobs runs the periodic jobs until ctx ends.
func (s *Server) runJobs(ctx context.Context) {
	t := time.NewTicker(s.opts.JobEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.RunJobs(ctx)
		}
	}
}

// RunJobs runs every periodic job once: audit the release status moves made
// by time; on the node holding the PKI lease, publish CRLs, renew
// certificates and expire test keypairs; and, on the node holding the
// rotation lease, replace the dynamic keys that are due. Tests call it
// directly with an injected clock.
func (s *Server) RunJobs(ctx context.Context) {
	log := s.opts.Log
	if err := s.releases.Tick(ctx); err != nil && ctx.Err() == nil {
		log.Error("release status job", "err", err)
	}
	s.runPKIJobs(ctx)
	now := s.opts.Now()
	held, err := s.opts.Store.TryLease(ctx, rotationLease, s.node, now, now.Add(2*s.opts.JobEvery))
	if err != nil {
		log.Error("rotation lease", "err", err)
		return
	}
	if !held {
		return
	}
	// The interval is an account setting, read afresh so every node agrees.
	set, err := s.opts.Store.Settings(ctx)
	if err != nil {
		log.Error("dynamic key rotation: reading the settings", "err", err)
		return
	}
	n, err := s.keypairs.RotateDue(ctx, set.RotationInterval())
	if err != nil && ctx.Err() == nil {
		log.Error("dynamic key rotation", "err", err)
	}
	if n > 0 {
		log.Info("rotated dynamic keys", "count", n)
	}
}
