// Package signing is the signing path of DESIGN.md: authenticate (done by the
// caller), authorize, sign the digest, and commit the signature-log and audit
// records before the signature is returned. If the records cannot be
// committed, the signature is withheld (fail closed).
package signing

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/label"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/request"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store"
)

// MaxBatch is the largest number of digests in one batch request.
const MaxBatch = 1000

// Item is one digest (or, for pure Ed25519, one message) to sign.
type Item struct {
	Input    []byte
	FileName string
	FileSize int64
}

// Request asks for signatures with one keypair.
type Request struct {
	Keypair string // id or alias
	SigAlg  string
	Tool    string
	Items   []Item
	// Timestamp asks for an RFC 3161 time-stamp on every signature.
	Timestamp bool
	// Generation, when not 0, is the key generation the caller expects
	// (the public key it has shown): another one is refused before signing.
	Generation int
}

// Result is one signature.
type Result struct {
	Signature []byte
	RecordID  string
	SigAlg    string // canonical name
	// TimestampToken is the RFC 3161 token (DER CMS ContentInfo) over the
	// signature, when the request asked for one.
	TimestampToken []byte
}

// Stamper time-stamps a digest (here: of a signature) and says which TSA did.
type Stamper interface {
	Stamp(ctx context.Context, h crypto.Hash, digest []byte) (token []byte, url string, err error)
}

// Observer receives the outcome of every signing request, for metrics.
type Observer func(alg, result string, d time.Duration)

// Releases is what signing needs of the releases domain.
type Releases interface {
	LiveReleaseFor(ctx context.Context, keypairID string, now time.Time) (*release.Release, error)
}

// Service signs.
type Service struct {
	Keypairs *keypair.Service
	Releases Releases // optional
	Journal  *journal.Journal
	Guard    *guard.Guard
	Observe  Observer
	Stamper  Stamper     // optional: time-stamps for requests that ask for them
	OnError  func(error) // optional: errors after the answer is decided (e.g. a failed rotation)

	mu      sync.Mutex
	signers map[string]crypto.Signer // by keypair id, generation and key URI
}

// Sign signs every item of r and returns the signatures in order with the
// keypair used, or an error for the whole request.
func (s *Service) Sign(ctx context.Context, p policy.Principal, r Request) (res []Result, kp *keypair.Keypair, err error) {
	start := time.Now()
	outcome := siglog.StatusFailed
	defer func() {
		if s.Observe != nil {
			s.Observe(r.SigAlg, outcome, time.Since(start))
		}
	}()
	// One time for the decision and the records: whether a signature counts
	// toward a release is decided at now, so it is recorded at now too,
	// however long the claim and the key backend take. A counted one must
	// also be made before its window ends: the reservation checks the time
	// of signing too, and a window that closed meanwhile refuses it.
	now := s.Guard.Now().UTC().Truncate(time.Microsecond)
	var alg sigalg.Alg
	var counted *release.Release
	alg, kp, counted, err = s.check(ctx, p, r, now)
	if err != nil {
		if e := errs.As(err); e.Status == http.StatusForbidden {
			outcome = siglog.StatusDenied
		}
		return nil, nil, s.refuse(ctx, p, r, kp, outcome, err)
	}
	if r.Generation != 0 && r.Generation != kp.Generation {
		return nil, nil, s.refuse(ctx, p, r, kp, outcome, errs.Conflict("keypair_rotated",
			"keypair %s is at generation %d, not the %d asked for: its key was replaced; read it again", kp.Alias, kp.Generation, r.Generation))
	}
	if kp.RotatePerSignature {
		if kp, err = s.claim(ctx, p, kp, len(r.Items), r.Generation); err != nil {
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, err)
		}
		defer s.rotateAfterUse(ctx, kp)
	}
	if r.Timestamp && s.Stamper == nil {
		return nil, nil, s.refuse(ctx, p, r, kp, outcome, errNoStamper)
	}
	signer, err := s.signer(ctx, kp)
	if err != nil {
		return nil, nil, s.refuse(ctx, p, r, kp, outcome, s.rotatedOr(ctx, kp, err))
	}
	opts := alg.SignerOpts()
	entries := make([]journal.Entry, len(r.Items))
	res = make([]Result, len(r.Items))
	for i, it := range r.Items {
		sig, err := signer.Sign(nil, it.Input, opts)
		if err != nil {
			err = s.rotatedOr(ctx, kp, errs.Wrap(err, http.StatusBadGateway, "sign_failed", "the %s key backend failed to sign", kp.Storage))
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, err)
		}
		rec := s.record(ctx, p, r, kp, alg, it, now)
		rec.Status, rec.Signature = siglog.StatusSigned, sig
		var token []byte
		if r.Timestamp {
			if token, rec.TimestampURL, err = s.stamp(ctx, alg, sig); err != nil {
				return nil, nil, s.refuse(ctx, p, r, kp, outcome, err)
			}
		}
		if counted != nil {
			rec.ReleaseID = counted.ID
		}
		ev := s.Guard.Event(ctx, p, guard.Target{Type: "Keypair", Action: "Sign", ID: kp.ID, Name: kp.Alias}, audit.Allowed, "")
		ev.Details = map[string]string{"signature_id": rec.ID, "sig_alg": alg.Name, "generation": fmt.Sprint(kp.Generation)}
		entries[i] = journal.Entry{Signature: rec, Events: []*audit.Event{ev}, CheckGeneration: kp.Type == keypair.TypeDynamic}
		if counted != nil && i == 0 {
			// The request's entries commit together: the first reserves for all.
			entries[i].Reserve = &journal.Reservation{ReleaseID: counted.ID, N: len(r.Items), At: now, Revision: counted.Revision}
		}
		res[i] = Result{Signature: sig, RecordID: rec.ID, SigAlg: alg.Name, TimestampToken: token}
	}
	if counted != nil {
		entries[0].Reserve.Signed = s.Guard.Now().UTC().Truncate(time.Microsecond)
	}
	if err := s.Journal.Commit(ctx, entries...); err != nil {
		if errors.Is(err, journal.ErrKeyRotated) {
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, errs.Conflict("keypair_rotated",
				"the key of %s was replaced while signing; nothing was signed, retry", kp.Alias))
		}
		if errors.Is(err, journal.ErrKeyInactive) {
			outcome = siglog.StatusDenied
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, errs.Forbidden("keypair_not_active",
				"keypair %s was suspended or deleted while signing; nothing was signed", kp.Alias))
		}
		if errors.Is(err, journal.ErrReleaseChanged) {
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, errs.Conflict("release_changed",
				"release %s was closed, edited or left its window while signing; nothing was signed, retry", counted.Name))
		}
		if errors.Is(err, journal.ErrBudgetExhausted) {
			outcome = siglog.StatusDenied
			return nil, nil, s.refuse(ctx, p, r, kp, outcome, s.exhausted(ctx, p, kp, counted, len(r.Items)))
		}
		return nil, nil, commitError(ctx, err, "signature withheld: the signature and audit logs cannot be written")
	}
	outcome = siglog.StatusSigned
	return res, kp, nil
}

var errNoStamper = errs.New(http.StatusServiceUnavailable, "timestamp_unavailable", "this server has no time-stamping authority")

// stamp gets a time-stamp token over sig, hashed with the request's digest
// algorithm (SHA-256 for pure Ed25519), as a CMS signature time-stamp is.
func (s *Service) stamp(ctx context.Context, alg sigalg.Alg, sig []byte) ([]byte, string, error) {
	h := alg.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	d := h.New()
	d.Write(sig)
	tok, url, err := s.Stamper.Stamp(ctx, h, d.Sum(nil))
	if err != nil {
		return nil, "", errs.Wrap(err, http.StatusBadGateway, "timestamp_failed", "the time-stamping authority did not answer; no signature was returned")
	}
	return tok, url, nil
}

// check validates the request and authorizes it at now. kp is returned
// whenever it was found, so refusals can name it; counted is the release
// whose budget the request counts toward at now, if any: the reservation
// is made when the records are committed (journal.Entry.Reserve), in their
// transaction.
func (s *Service) check(ctx context.Context, p policy.Principal, r Request, now time.Time) (alg sigalg.Alg, kp *keypair.Keypair, counted *release.Release, err error) {
	if alg, err = sigalg.Parse(r.SigAlg); err != nil {
		return alg, nil, nil, err
	}
	if len(r.Items) == 0 {
		return alg, nil, nil, errs.BadRequest("no_digest", "nothing to sign: give a hash")
	}
	if len(r.Items) > MaxBatch {
		return alg, nil, nil, errs.BadRequest("batch_too_large", "at most %d digests in one request, got %d", MaxBatch, len(r.Items))
	}
	if err := checkLabels(r); err != nil {
		return alg, nil, nil, err
	}
	for i, it := range r.Items {
		if err := alg.CheckInput(it.Input); err != nil {
			if len(r.Items) > 1 {
				e := errs.As(err)
				return alg, nil, nil, errs.BadRequest(e.Code, "item %d: %s", i, e.Message)
			}
			return alg, nil, nil, err
		}
	}
	if kp, err = s.Keypairs.Get(ctx, r.Keypair); err != nil {
		return alg, nil, nil, err
	}
	if string(kp.Algorithm.Type) != string(alg.Key) {
		return alg, kp, nil, errs.BadRequest("sig_alg_mismatch", "%s needs an %s key; keypair %s is %s", alg.Name, alg.Key, kp.Alias, kp.Algorithm.Type)
	}
	rel, facts, err := s.release(ctx, p, kp, now)
	if err != nil {
		return alg, kp, nil, err
	}
	t := guard.Target{Type: "Keypair", Action: "Sign", ID: kp.ID, Name: kp.Alias}
	d, err := s.Guard.DecideAt(ctx, p, policy.Request{Action: policy.Sign, Keypair: kp.Facts(), Release: facts}, t, now)
	if err != nil {
		return alg, kp, nil, err
	}
	if _, ok := s.Keypairs.Backends[kp.Storage]; !ok {
		return alg, kp, nil, errs.Unavailable("storage_unavailable", "storage %q of keypair %s is not configured on this server", kp.Storage, kp.Alias)
	}
	if !d.Counts {
		return alg, kp, nil, nil
	}
	return alg, kp, rel, nil
}

// exhausted refuses, and audits, a request for which rel has no room.
func (s *Service) exhausted(ctx context.Context, p policy.Principal, kp *keypair.Keypair, rel *release.Release, n int) error {
	t := guard.Target{Type: "Keypair", Action: "Sign", ID: kp.ID, Name: kp.Alias}
	e := errs.New(http.StatusForbidden, "release_quota_exhausted",
		"release %s allows %d signatures and has no room for %d more", rel.Name, rel.MaxSignatures, n)
	return s.Guard.Deny(ctx, p, t, e)
}

// release finds the live release holding kp at now and the facts policy
// needs.
func (s *Service) release(ctx context.Context, p policy.Principal, kp *keypair.Keypair, now time.Time) (*release.Release, *policy.Release, error) {
	if s.Releases == nil {
		return nil, nil, nil
	}
	rel, err := s.Releases.LiveReleaseFor(ctx, kp.ID, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the releases of keypair %s now", kp.Alias)
	}
	return rel, &policy.Release{ID: rel.ID, Name: rel.Name, Status: rel.Effective(now), Participant: rel.HasParticipant(p.UserID),
		Remaining: rel.MaxSignatures - rel.Used}, nil
}

// refuse records a refused request in the signature log (one row for the
// request, whatever its size) and returns err. Denials were already audited
// by the guard.
func (s *Service) refuse(ctx context.Context, p policy.Principal, r Request, kp *keypair.Keypair, status string, err error) error {
	e := errs.As(err)
	var it Item
	if len(r.Items) > 0 {
		it = r.Items[0]
	}
	alg, _ := sigalg.Parse(r.SigAlg)
	rec := s.record(ctx, p, r, kp, alg, it, s.Guard.Now().UTC().Truncate(time.Microsecond))
	rec.Status, rec.ErrorCode = status, e.Code
	if rec.Algorithm == "" {
		rec.Algorithm = r.SigAlg
	}
	if cerr := s.Journal.Commit(ctx, journal.Entry{Signature: rec}); cerr != nil {
		return commitError(ctx, cerr, "request refused ("+e.Code+"); the signature log cannot be written either")
	}
	return err
}

// StatusClientClosed is the status (nginx's 499) of a request whose client
// went away before its records were committed.
const StatusClientClosed = 499

// commitError tells a client that left (its records are still being
// committed, nothing was returned) from a store that cannot write.
func commitError(ctx context.Context, err error, msg string) error {
	if ctx.Err() != nil {
		return errs.Wrap(err, StatusClientClosed, "client_closed_request", "the client closed the request before its records were committed")
	}
	return errs.Wrap(err, http.StatusServiceUnavailable, "audit_unavailable", "%s", msg)
}

// record makes the signature-log record of one item of r. What the caller
// said (the keypair ref of a request that found none, the tool and file
// name of one refused for them) is recorded cleaned: a record must be
// writable on every store, or a refusal would fail its whole group-commit
// batch (PostgreSQL refuses NUL in text).
func (s *Service) record(ctx context.Context, p policy.Principal, r Request, kp *keypair.Keypair, alg sigalg.Alg, it Item, now time.Time) *siglog.Record {
	rec := &siglog.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: now, UserID: p.UserID, UserName: p.Name,
		Algorithm: alg.Name, DigestAlg: sigalg.HashName(alg.Hash), Digest: it.Input,
		ClientIP: request.MetaFrom(ctx).ClientIP, Tool: label.Clean(r.Tool, label.MaxTool),
		FileName: label.Clean(it.FileName, label.MaxFileName), FileSize: it.FileSize}
	if alg.Pure {
		rec.Digest = nil // a message, not a digest: keep the log small
	}
	if kp != nil {
		rec.KeypairID, rec.KeypairAlias, rec.Generation = kp.ID, kp.Alias, kp.Generation
		rec.KeyType, rec.Category = kp.Type, kp.Category
	} else {
		rec.KeypairAlias = label.Clean(r.Keypair, label.MaxRef)
	}
	return rec
}

// signer returns a cached signer for kp's current key.
func (s *Service) signer(ctx context.Context, kp *keypair.Keypair) (crypto.Signer, error) {
	key := fmt.Sprintf("%s/%d/%s", kp.ID, kp.Generation, kp.Handle.URI)
	s.mu.Lock()
	sg, ok := s.signers[key]
	s.mu.Unlock()
	if ok {
		return sg, nil
	}
	// A disk key is sealed to its keypair id; the handle must name this row's
	// own id, so a blob copied into another row cannot be used there.
	if kp.Handle.Backend == "disk" && kp.Handle.URI != "disk:"+kp.ID {
		return nil, errs.New(http.StatusInternalServerError, "key_handle_mismatch", "the key of keypair %s does not belong to it", kp.Alias)
	}
	sg, err := s.Keypairs.Backends[kp.Storage].Signer(ctx, kp.Handle)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend cannot use the key of %s", kp.Storage, kp.Alias)
	}
	s.forget(kp.ID) // drop older generations of this keypair
	s.mu.Lock()
	if s.signers == nil {
		s.signers = map[string]crypto.Signer{}
	}
	s.signers[key] = sg
	s.mu.Unlock()
	return sg, nil
}

// Forget drops cached signers of a keypair (after delete or rotation).
func (s *Service) Forget(keypairID string) { s.forget(keypairID) }

func (s *Service) forget(keypairID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.signers {
		if len(k) > len(keypairID) && k[:len(keypairID)] == keypairID && k[len(keypairID)] == '/' {
			delete(s.signers, k)
		}
	}
}
