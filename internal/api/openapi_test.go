package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/api"
	"github.com/signet-project/signet/internal/server/servertest"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json")

// TestOpenAPIGolden shows every change to the API's public shape in review.
func TestOpenAPIGolden(t *testing.T) {
	doc, err := api.New(api.Deps{}).MarshalOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, '\n')
	if *update {
		if err := os.WriteFile("testdata/openapi.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, want) {
		t.Fatal("the OpenAPI document changed; review and run: go test ./internal/api -run OpenAPIGolden -update")
	}
}

// TestOpenAPIServedMatchesRoutes checks that the served document lists
// exactly the routes the server answers, and that each answers.
func TestOpenAPIServedMatchesRoutes(t *testing.T) {
	env := servertest.Start(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	env.MustDo(t, nil, "GET", "/api/v1/openapi.json", nil, 200).JSON(t, &doc)
	routes := env.Server.API.Routes()
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if n != len(routes) {
		t.Fatalf("document has %d operations, route table %d", n, len(routes))
	}
	for _, rt := range routes {
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s missing from the document", rt.Method, rt.Path)
		}
		// Every route exists: an unauthenticated call never gets the 404/405 fallbacks.
		path := strings.ReplaceAll(rt.Path, "{ref}", "nope")
		r := env.Do(t, nil, rt.Method, path, nil)
		if c := r.Code(); c == "not_found" || c == "method_not_allowed" {
			t.Errorf("%s %s is documented but not served: %s", rt.Method, path, r)
		}
		if rt.Auth && r.Status != 401 {
			t.Errorf("%s %s needs authentication but answered %s", rt.Method, path, r)
		}
	}
}

// openAPISchemas returns the document's component schemas.
func openAPISchemas(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw, err := api.New(api.Deps{}).MarshalOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas
}

// TestOpenAPIOwnJSON: a type with its own MarshalJSON is described by the
// JSON it sends, not by its Go fields.
func TestOpenAPIOwnJSON(t *testing.T) {
	schemas := openAPISchemas(t)
	for _, c := range []struct {
		schema, field string
		want          map[string]any
	}{
		{"ca.CertProfile", "validity", map[string]any{"type": "string"}},         // ca.Duration: "30d"
		{"ca.KeypairProfile", "expires_after", map[string]any{"type": "string"}}, // *ca.Duration
		{"ca.Field", "value", map[string]any{}},                                  // json.RawMessage: any JSON
	} {
		t.Run(c.schema+"."+c.field, func(t *testing.T) {
			props, _ := schemas[c.schema]["properties"].(map[string]any)
			if got := props[c.field]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("schema %v, want %v", got, c.want)
			}
		})
	}
}

// TestOpenAPIRequired: request bodies require only what the server
// refuses a request without; answers keep every field they always send
// required. A client generated from the document must be able to leave
// out what the server defaults.
func TestOpenAPIRequired(t *testing.T) {
	raw, err := api.New(api.Deps{}).MarshalOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	type media struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
		Required bool `json:"required"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *media           `json:"requestBody"`
			Responses   map[string]media `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// required is the list of required fields of the schema of m's body.
	required := func(t *testing.T, m *media) []string {
		t.Helper()
		if m == nil {
			t.Fatal("no body")
		}
		ref, _ := m.Content["application/json"].Schema["$ref"].(string)
		s, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			t.Fatalf("body schema %q not in the document", ref)
		}
		var out []string
		fields, _ := s["required"].([]any) // none when nothing is required
		for _, f := range fields {
			out = append(out, f.(string))
		}
		return out
	}

	for _, c := range []struct {
		op                 string // "METHOD path"
		answer             bool   // the answer's schema, not the request's
		required, optional []string
	}{
		{op: "POST /api/v1/releases", required: []string{"name", "type", "keypairs", "start", "end", "max_signatures"},
			optional: []string{"participants", "version", "category", "team", "note"}},
		{op: "POST /api/v1/keypairs", required: []string{"alias"},
			optional: []string{"algorithm", "generate_cert", "cert_profile", "auto_renew", "rotate_per_signature"}},
		{op: "POST /api/v1/certificate-profiles", required: []string{"subject", "validity"},
			optional: []string{"created_at", "updated_at", "name", "category", "issuer", "key_usages", "ext_key_usages"}},
		{op: "PUT /api/v1/certificate-profiles/{name}", required: []string{"subject", "validity"},
			optional: []string{"created_at", "updated_at", "name"}},
		{op: "POST /api/v1/certificate-profiles", answer: true,
			required: []string{"name", "category", "subject", "validity", "created_at", "updated_at"}},
		{op: "POST /api/v1/keypair-profiles", optional: []string{"created_at", "updated_at", "fields", "name"}},
		{op: "POST /api/v1/keypair-profiles", answer: true, required: []string{"name", "fields", "created_at", "updated_at"}},
		{op: "PUT /api/v1/roles/{role}", required: []string{"permissions"}, optional: []string{"name"}},
		{op: "POST /api/v1/keypairs/{ref}/sign", required: []string{"sig_alg", "hash"}, optional: []string{"timestamp", "generation"}},
		{op: "PUT /api/v1/settings/profiles", optional: []string{"require_keypair_profile"}},
		{op: "GET /api/v1/settings", answer: true,
			required: []string{"require_2fa", "teams_enabled", "require_keypair_profile", "release_approvals", "rotation_interval_seconds"}},
	} {
		name := c.op
		if c.answer {
			name += " answer"
		}
		t.Run(name, func(t *testing.T) {
			method, path, _ := strings.Cut(c.op, " ")
			op, ok := doc.Paths[path][strings.ToLower(method)]
			if !ok {
				t.Fatalf("no operation %s", c.op)
			}
			var got []string
			if c.answer {
				for status, m := range op.Responses {
					if status != "default" {
						got = required(t, &m)
					}
				}
			} else {
				got = required(t, op.RequestBody)
			}
			for _, f := range c.required {
				if !slices.Contains(got, f) {
					t.Errorf("%s is not required (required: %v)", f, got)
				}
			}
			for _, f := range c.optional {
				if slices.Contains(got, f) {
					t.Errorf("%s is required (required: %v)", f, got)
				}
			}
		})
	}

	// A body the server takes or leaves is not required itself.
	for _, op := range []string{"POST /api/v1/certificates/{id}/revoke", "POST /api/v1/releases/{id}/approve", "POST /api/v1/keypairs"} {
		method, path, _ := strings.Cut(op, " ")
		body := doc.Paths[path][strings.ToLower(method)].RequestBody
		if want := !strings.Contains(path, "{id}"); body == nil || body.Required != want {
			t.Errorf("%s: requestBody %+v, want required %v", op, body, want)
		}
	}
}
