package api_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/api"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server/servertest"
)

// publicRoutes answer without credentials, by design.
var publicRoutes = map[string]string{
	"healthz":       "liveness probe",
	"readyz":        "readiness probe",
	"metrics":       "Prometheus scrape",
	"openapi":       "the API's own description",
	"signIn":        "web sign-in: its own tests (session_test.go)",
	"beginTOTP":     "TOTP enrolment, by password: its own tests (totp_test.go)",
	"describeCA":    "CA certificates are public",
	"caCertificate": "CA certificates are public",
	"caFile":        "the issuer URL in certificates",
	"crl":           "the CRL URL in certificates",
	"ocspPost":      "the OCSP URL in certificates",
	"ocspGet":       "the OCSP URL in certificates",
	"timestamp":     "the RFC 3161 TSA, for signing tools",
}

// sessionRoutes need credentials but act on the web session only, whatever
// the caller's roles; session_test.go covers them.
var sessionRoutes = map[string]string{
	"describeSession": "the caller's own web session",
	"signOut":         "the caller's own web session",
}

// TestAuthorizationTableCoversRoutes fails on any route of the route table
// that needs credentials and that no row of the authorization table probes,
// and on any route without credentials that is not listed as public: a new
// endpoint must get its row (or be declared public) before it ships.
func TestAuthorizationTableCoversRoutes(t *testing.T) {
	routes := api.New(api.Deps{}).Routes()
	mux := http.NewServeMux()
	byPattern := map[string]api.Route{}
	for _, rt := range routes {
		pattern := rt.Method + " " + rt.Path
		byPattern[pattern] = rt
		mux.Handle(pattern, http.NotFoundHandler())
	}
	// The probes' requests, as they are built for a bad credential: no
	// server is needed, no resource is made.
	lead := &servertest.User{User: &auth.User{ID: "lead-id", Name: "lead"}}
	f := &fixture{env: &servertest.Env{Lead: lead}, kp: map[string]string{}, cert: map[string]string{},
		rel: map[string]string{}, prof: map[string]string{}, pub: map[string]crypto.PublicKey{}, ext: externalCA(t)}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, acc := range []string{"open", "allowed", "not-allowed", "other-team", "blue", "red", "account"} {
		f.kp[acc], f.cert[acc], f.rel[acc], f.prof[acc] = "kp-"+acc, "cert-"+acc, "rel-"+acc, "prof-"+acc
		f.pub[acc] = key.Public()
	}
	covered := map[string][]string{} // route name -> rows
	for name, ep := range probes {
		for _, acc := range ep.scope.accesses() {
			method, path, _ := ep.probe(t, f, probe{acc: acc, user: lead})
			req := httptest.NewRequest(method, path, nil)
			_, pattern := mux.Handler(req)
			rt, ok := byPattern[pattern]
			if !ok {
				t.Errorf("row %q (%s): %s %s matches no route", name, acc, method, path)
				continue
			}
			covered[rt.Name] = append(covered[rt.Name], name)
		}
	}
	var missing []string
	for _, rt := range routes {
		_, public := publicRoutes[rt.Name]
		_, session := sessionRoutes[rt.Name]
		switch {
		case public && rt.Auth:
			t.Errorf("route %s is listed as public but needs credentials", rt.Name)
		case !public && !rt.Auth:
			t.Errorf("route %s (%s %s) answers without credentials: list it in publicRoutes, with why", rt.Name, rt.Method, rt.Path)
		case session && len(covered[rt.Name]) > 0:
			t.Errorf("route %s is listed as a session route but the table probes it", rt.Name)
		case rt.Auth && !session && len(covered[rt.Name]) == 0:
			missing = append(missing, rt.Name+" ("+rt.Method+" "+rt.Path+")")
		}
	}
	for _, lists := range []map[string]string{publicRoutes, sessionRoutes} {
		for name := range lists {
			if !hasRoute(routes, name) {
				t.Errorf("%s is listed but is no route", name)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("routes that need credentials and have no row in the authorization table (authz_test.go, authz_probes_test.go):\n\t%s",
			strings.Join(missing, "\n\t"))
	}
}

func hasRoute(routes []api.Route, name string) bool {
	for _, rt := range routes {
		if rt.Name == name {
			return true
		}
	}
	return false
}
