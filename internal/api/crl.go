package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/policy"
)

// crl serves /crl/NAME.crl, the DER CRL of the CA named NAME, without
// authentication: the URL certificates carry. Caches may keep it until
// half its life is gone, when the CA publishes the next.
func (a *API) crl(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ".crl")
	if !ok || name == "" {
		return errs.NotFound("crl_not_found", "no CRL %q: ask for /crl/NAME.crl", file)
	}
	crl, err := a.CA.CRL(r.Context(), name)
	if err != nil {
		return err
	}
	age := max(int(crl.NextUpdate.Sub(crl.ThisUpdate)/2/time.Second)-int(a.Guard.Now().Sub(crl.ThisUpdate)/time.Second), 0)
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", age))
	w.Header().Set("Last-Modified", crl.ThisUpdate.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(crl.DER)
	return nil
}
