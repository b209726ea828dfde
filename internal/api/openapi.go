package api

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/policy"
)

// OpenAPI builds the OpenAPI 3.1 document from the route table, so the two
// cannot drift apart; a golden file test shows every change to it.
func (a *API) OpenAPI() map[string]any {
	g := newSchemaGen()
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
			op["requestBody"] = map[string]any{"required": !rt.OptionalBody, "content": map[string]any{
				"application/json": map[string]any{"schema": g.request(reflect.TypeOf(rt.Request))}}}
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
	g.finish()
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
//
// A struct has two schemas: as an answer, where every field without
// omitempty is always sent and so required; and as a request body (or a
// part of one), where only the fields of [requestRequired] are. Where the
// two differ, the request's is named with an "Input" suffix; a struct only
// ever sent by clients keeps its plain name.
type schemaGen struct {
	defs map[string]any // answers' schemas, by name

	in     map[string]any              // requests' schemas, by plain name
	inRefs map[string][]map[string]any // the $refs to each, set by finish
	inUses map[string]map[string]bool  // the request schemas each refers to
	inType map[string]reflect.Type     // the type of each request schema
	using  string                      // the request schema being built, "" if none
}

func newSchemaGen() *schemaGen {
	return &schemaGen{defs: map[string]any{}, in: map[string]any{}, inRefs: map[string][]map[string]any{},
		inUses: map[string]map[string]bool{}, inType: map[string]reflect.Type{}}
}

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

// schema is t's schema as an answer.
func (g *schemaGen) schema(t reflect.Type) map[string]any { return g.gen(t, false) }

// request is t's schema as a request body.
func (g *schemaGen) request(t reflect.Type) map[string]any { return g.gen(t, true) }

func (g *schemaGen) gen(t reflect.Type, req bool) map[string]any {
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
		return map[string]any{"type": "array", "items": g.gen(t.Elem(), req)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.gen(t.Elem(), req)}
	case reflect.Struct:
		if req {
			return g.requestStruct(t)
		}
		name := schemaName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // placeholder against recursion
			g.defs[name] = g.object(t, false, nil)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// requestStruct is the schema of struct t in a request: a $ref that
// finish points at its plain or its Input name.
func (g *schemaGen) requestStruct(t reflect.Type) map[string]any {
	name := schemaName(t)
	if g.using != "" {
		g.inUses[g.using][name] = true
	}
	if _, ok := g.in[name]; !ok {
		g.in[name] = nil // placeholder against recursion
		g.inUses[name] = map[string]bool{}
		g.inType[name] = t
		outer := g.using
		g.using = name
		g.in[name] = g.object(t, true, requestRequired[t])
		g.using = outer
	}
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	g.inRefs[name] = append(g.inRefs[name], ref)
	return ref
}

// object is the schema of struct t: as an answer (req false), its fields
// without omitempty are required; in a request, those of required.
func (g *schemaGen) object(t reflect.Type, req bool, required []string) map[string]any {
	props := map[string]any{}
	var always []string
	g.fields(t, req, props, &always)
	if req {
		always = slices.Clone(required)
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(always) > 0 {
		sort.Strings(always)
		s["required"] = always
	}
	return s
}

// finish names the request schemas: a struct whose request schema is its
// answer schema shares it; one whose schema differs (in what it requires,
// or in a part that differs) is named with an Input suffix.
func (g *schemaGen) finish() {
	differs := map[string]bool{}
	for name, s := range g.in {
		if out, ok := g.defs[name]; ok && !reflect.DeepEqual(out, s) {
			differs[name] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for name, uses := range g.inUses {
			if _, ok := g.defs[name]; !ok || differs[name] {
				continue
			}
			for u := range uses {
				if differs[u] {
					differs[name], changed = true, true
					break
				}
			}
		}
	}
	for name, s := range g.in {
		switch _, ok := g.defs[name]; {
		case differs[name]:
			in := name + "Input"
			if _, clash := g.defs[in]; clash {
				panic("openapi: two schemas named " + in)
			}
			g.defs[in] = s
			for _, ref := range g.inRefs[name] {
				ref["$ref"] = "#/components/schemas/" + in
			}
		case !ok:
			g.defs[name] = s
		}
	}
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

// fields adds t's JSON fields, flattening embedded structs as encoding/json
// does, and lists in always those it always sends.
func (g *schemaGen) fields(t reflect.Type, req bool, props map[string]any, always *[]string) {
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
			g.fields(ft, req, props, always)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.gen(f.Type, req)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*always = append(*always, name)
		}
	}
}

// MarshalOpenAPI returns the document as indented JSON.
func (a *API) MarshalOpenAPI() ([]byte, error) {
	return json.MarshalIndent(a.OpenAPI(), "", "  ")
}
