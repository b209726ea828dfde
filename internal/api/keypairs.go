package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
)

type createKeypairBody = keypair.CreateRequest

// keypairView is a keypair as the API shows it: never any key material
// beyond the public key.
type keypairView struct {
	*keypair.Keypair
	PublicKeyPEM string            `json:"public_key_pem"`
	Fingerprints map[string]string `json:"fingerprints"`
	// CertificatePEM is the default certificate, ChainPEM the chain above
	// it (intermediates, then the root); empty when the keypair has none
	// for its current key. ExpiresAt ends a test keypair's life.
	CertificatePEM string     `json:"certificate_pem,omitempty"`
	ChainPEM       string     `json:"chain_pem,omitempty"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
}

type keypairList struct {
	Keypairs []keypairView `json:"keypairs"`
	Next     string        `json:"next"`
}

func viewOf(kp *keypair.Keypair) keypairView {
	v := keypairView{Keypair: kp, Fingerprints: map[string]string{}}
	if len(kp.PublicKey) > 0 {
		v.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: kp.PublicKey}))
		sum := sha256.Sum256(kp.PublicKey)
		v.Fingerprints["sha256"] = hex.EncodeToString(sum[:])
	}
	return v
}

// views makes the views of kps with their certificates and expiry.
func (a *API) views(ctx context.Context, kps ...*keypair.Keypair) []keypairView {
	out := make([]keypairView, len(kps))
	for i, kp := range kps {
		out[i] = viewOf(kp)
	}
	if a.CA == nil || len(kps) == 0 {
		return out
	}
	extras, err := a.CA.Extras(ctx, kps...)
	if err != nil {
		a.log.Error("keypair certificates", "err", err) // the keypairs are still worth showing
		return out
	}
	for i, kp := range kps {
		e := extras[kp.ID]
		out[i].CertificatePEM, out[i].ChainPEM, out[i].ExpiresAt = e.CertificatePEM, e.ChainPEM, e.ExpiresAt
	}
	return out
}

func (a *API) generateKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body createKeypairBody
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	kp, err := a.Keypairs.Generate(r.Context(), p, body)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, a.views(r.Context(), kp)[0])
	return nil
}

func (a *API) listKeypairs(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	q := r.URL.Query()
	limit, err := limitParam(q)
	if err == nil {
		err = errors.Join(idParams(q, "after"), oneOf(q, "state", keypair.StateActive, keypair.StateSuspended, keypair.StateDestroyed),
			oneOf(q, "status", keypair.StatusOnline, keypair.StatusOffline), oneOf(q, "type", keypair.TypeStatic, keypair.TypeDynamic),
			oneOf(q, "storage", keypair.StorageDisk, keypair.StorageHSM), oneOf(q, "category", keypair.CategoryProduction, keypair.CategoryTest))
	}
	if err != nil {
		return err
	}
	f := keypair.Filter{Alias: q.Get("alias"), State: q.Get("state"), Storage: q.Get("storage"),
		Status: q.Get("status"), Category: q.Get("category"), Type: q.Get("type"), After: q.Get("after"), Limit: limit}
	kps, err := a.Keypairs.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	out := keypairList{Keypairs: a.views(r.Context(), kps...)}
	if len(kps) == limit {
		out.Next = kps[len(kps)-1].ID
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) describeKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	kp, err := a.Keypairs.Describe(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.views(r.Context(), kp)[0])
	return nil
}

func (a *API) suspendKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.setState(w, r, p, false)
}

func (a *API) unsuspendKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	return a.setState(w, r, p, true)
}

func (a *API) setState(w http.ResponseWriter, r *http.Request, p policy.Principal, active bool) error {
	kp, err := a.Keypairs.SetState(r.Context(), p, r.PathValue("ref"), active)
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusOK, a.views(r.Context(), kp)[0])
	return nil
}

func (a *API) deleteKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	kp, err := a.Keypairs.Delete(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	a.Signing.Forget(kp.ID)
	renderJSON(w, http.StatusOK, viewOf(kp))
	return nil
}

// limitParam reads ?limit= (default 100, at most 1000).
func limitParam(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, errs.BadRequest("invalid_limit", "limit must be a whole number from 1 to 1000, got %q", s)
	}
	return n, nil
}
