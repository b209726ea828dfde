package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
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
