package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
)

type generationView struct {
	keypair.Generation
	PublicKeyPEM string            `json:"public_key_pem"`
	Fingerprints map[string]string `json:"fingerprints"`
}

type generationList struct {
	Generations []generationView `json:"generations"`
}

func (a *API) refreshKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	kp, err := a.Keypairs.Refresh(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	a.Signing.Forget(kp.ID)
	renderJSON(w, http.StatusOK, viewOf(kp))
	return nil
}

// keypairGenerations lists every public key a keypair has had, so that
// signatures of replaced dynamic keys still verify.
func (a *API) keypairGenerations(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	kp, err := a.Keypairs.Describe(r.Context(), p, r.PathValue("ref"))
	if err != nil {
		return err
	}
	gens, err := a.Keypairs.Store.Generations(r.Context(), kp.ID)
	if err != nil {
		return err
	}
	out := generationList{Generations: []generationView{}}
	for _, g := range gens {
		sum := sha256.Sum256(g.PublicKey)
		out.Generations = append(out.Generations, generationView{Generation: g,
			PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: g.PublicKey})),
			Fingerprints: map[string]string{"sha256": hex.EncodeToString(sum[:])}})
	}
	renderJSON(w, http.StatusOK, out)
	return nil
}
