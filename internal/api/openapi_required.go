package api

import (
	"reflect"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/release"
)

// requestRequired lists, for every struct sent in a request body, the JSON
// fields without which the server refuses the request. The OpenAPI
// document marks these, and only these, required in requests: a field the
// server defaults (release participants: the creator), takes from the
// path (a profile's or role's name when it is replaced) or a keypair
// profile may pre-set (algorithm), or that only answers carry (created_at),
// is optional. A struct some route sends without a field lists it only if
// every route does. TestOpenAPIRequestRequired checks that every request
// struct has an entry and that each name is one of its fields.
var requestRequired = map[reflect.Type][]string{
	reflect.TypeFor[signBody]():            {"sig_alg", "hash"},
	reflect.TypeFor[batchBody]():           {"sig_alg", "items"},
	reflect.TypeFor[batchItem]():           {"hash"},
	reflect.TypeFor[decisionBody]():        nil,
	reflect.TypeFor[revokeBody]():          nil,
	reflect.TypeFor[totpBody]():            {"name", "password"},
	reflect.TypeFor[profileSettingsBody](): nil, // absent is false

	reflect.TypeFor[keypair.CreateRequest](): {"alias"},
	reflect.TypeFor[keypair.ImportRequest](): nil, // key_pem or pkcs12

	reflect.TypeFor[release.CreateRequest](): {"name", "type", "keypairs", "start", "end", "max_signatures"},
	reflect.TypeFor[release.UpdateRequest](): nil,

	reflect.TypeFor[ca.CARequest]():      {"name", "common_name"},
	reflect.TypeFor[ca.CSRRequest]():     nil,
	reflect.TypeFor[ca.CertProfile]():    {"subject", "validity"},
	reflect.TypeFor[ca.KeypairProfile](): nil,
	reflect.TypeFor[ca.Field]():          {"value"},
	reflect.TypeFor[ca.ImportRequest]():  {"certificate_pem"},
	reflect.TypeFor[ca.IssueRequest]():   nil,
	reflect.TypeFor[ca.UpdateRequest]():  nil,

	reflect.TypeFor[auth.SignInRequest]():   {"name", "password"},
	reflect.TypeFor[auth.PasswordRequest](): {"password"}, // current: for one's own only
	reflect.TypeFor[auth.UserRequest]():     {"name"},
	reflect.TypeFor[auth.UserUpdate]():      nil,
	reflect.TypeFor[auth.TokenRequest]():    nil,
	reflect.TypeFor[auth.CertRequest]():     nil,
	reflect.TypeFor[auth.GroupRequest]():    {"name"},
	reflect.TypeFor[auth.TeamRequest]():     {"name"},
	reflect.TypeFor[auth.MemberRequest]():   {"kind", "member"},
	reflect.TypeFor[auth.RoleRequest]():     {"permissions"},
	reflect.TypeFor[auth.SettingsUpdate]():  nil,
}
