package api

import (
	"net/http"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
)

type importKeypairBody = keypair.ImportRequest

// importKeypair stores an existing private key as keypair {ref}; the
// answer, like every keypair view, holds the public key only.
func (a *API) importKeypair(w http.ResponseWriter, r *http.Request, p policy.Principal) error {
	var body importKeypairBody
	if err := decodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	kp, err := a.Keypairs.Import(r.Context(), p, r.PathValue("ref"), body)
	clear(body.PKCS12) // our copy of the key file
	if err != nil {
		return err
	}
	renderJSON(w, http.StatusCreated, a.views(r.Context(), kp)[0])
	return nil
}
