package api

import (
	"context"
	"net/http"
	"time"

	"github.com/signet-project/signet/internal/policy"
)

type statusBody struct {
	Status string `json:"status"`
}

type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request, _ policy.Principal) error {
	renderJSON(w, http.StatusOK, statusBody{Status: "ok"})
	return nil
}

// readyz answers 503 unless every dependency answers within five seconds.
func (a *API) readyz(w http.ResponseWriter, r *http.Request, _ policy.Principal) error {
	out := readyBody{Status: "ready", Checks: map[string]string{}}
	if a.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		for name, err := range a.Ready(ctx) {
			out.Checks[name] = "ok"
			if err != nil {
				out.Checks[name] = err.Error()
				out.Status = "not ready"
			}
		}
	}
	status := http.StatusOK
	if out.Status != "ready" {
		status = http.StatusServiceUnavailable
	}
	renderJSON(w, status, out)
	return nil
}
