package api

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/policy"
)

// OpenAPI builds the OpenAPI 3.1 document from the route table, so the two
// cannot drift apart; a golden file test shows every change to it.
func (a *API) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range a.Routes() {
		op := map[string]any{"operationId": rt.Name, "summary": rt.Summary}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request))}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response))}}
		}
		op["responses"] = map[string]any{
			strconv.Itoa(status): ok,
			"default": map[string]any{"description": "Error", "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ErrorBody{}))}}},
		}
		if rt.Auth {
			op["security"] = []any{map[string]any{"apiKey": []any{}}}
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Signet API", "version": "1",
			"description": "Hash signing with audited, policy-checked keys. Errors are JSON {code, message}."},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "x-api-key"},
			},
		},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (a *API) openapi(w http.ResponseWriter, _ *http.Request, _ policy.Principal) error {
	renderJSON(w, http.StatusOK, a.OpenAPI())
	return nil
}

// schemaGen turns Go types into JSON Schema, naming structs in defs.
type schemaGen struct{ defs map[string]any }

var (
	timeType      = reflect.TypeOf(time.Time{})
	bytesType     = reflect.TypeOf([]byte(nil))
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// marshalerSchema is the schema of a type with its own MarshalJSON, whose
// Go fields say nothing of its JSON: a string if its zero value is one
// (ca.Duration: "30d"), else any JSON value (json.RawMessage).
func marshalerSchema(t reflect.Type) map[string]any {
	if b, err := json.Marshal(reflect.Zero(t).Interface()); err == nil && len(b) > 0 && b[0] == '"' {
		return map[string]any{"type": "string"}
	}
	return map[string]any{}
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == bytesType:
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Implements(jsonMarshaler):
		return marshalerSchema(t)
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // placeholder against recursion
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			s := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				s["required"] = required
			}
			g.defs[name] = s
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// apiPkg is this package's import path: its types keep their plain names.
var apiPkg = reflect.TypeOf(API{}).PkgPath()

// schemaName names a struct's schema; types of other packages are qualified
// by their package (keypair.ImportRequest, ca.ImportRequest), so that two
// types of one name never share a schema.
func schemaName(t reflect.Type) string {
	if t.PkgPath() == apiPkg || t.PkgPath() == "" {
		return t.Name()
	}
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// fields adds t's JSON fields, flattening embedded structs as encoding/json does.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			g.fields(ft, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

// MarshalOpenAPI returns the document as indented JSON.
func (a *API) MarshalOpenAPI() ([]byte, error) {
	return json.MarshalIndent(a.OpenAPI(), "", "  ")
}
