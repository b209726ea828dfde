package api

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIRequestRequired: every struct a request body holds has its
// entry in requestRequired, so that a new request type says what it
// requires rather than requiring nothing by omission, and every name
// listed is one of the struct's JSON fields.
func TestOpenAPIRequestRequired(t *testing.T) {
	g := newSchemaGen()
	for _, rt := range New(Deps{}).Routes() {
		if rt.Request != nil {
			g.request(reflect.TypeOf(rt.Request))
		}
	}
	if len(g.inType) == 0 {
		t.Fatal("no request structs found")
	}
	for name, typ := range g.inType {
		required, ok := requestRequired[typ]
		if !ok {
			t.Errorf("%s is sent in requests but has no entry in requestRequired", name)
			continue
		}
		fields := jsonFields(typ)
		for _, f := range required {
			if !slices.Contains(fields, f) {
				t.Errorf("requestRequired[%s] names %q, not one of its JSON fields %v", name, f, fields)
			}
		}
	}
	for typ := range requestRequired {
		if _, ok := g.inType[schemaName(typ)]; !ok {
			t.Errorf("requestRequired lists %s, which no request sends", schemaName(typ))
		}
	}
}

// jsonFields lists the JSON names of t's fields, with those of embedded
// structs.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, jsonFields(f.Type)...)
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	return names
}
