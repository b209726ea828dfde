package api

import "github.com/signet-project/signet/internal/release"

// Route is one entry of the route table. Request and Response are zero
// values of the body types, from which the OpenAPI document is generated.
type Route struct {
	Name     string // operationId
	Method   string
	Path     string // net/http pattern, e.g. /api/v1/keypairs/{ref}
	Summary  string
	Auth     bool     // needs an API token (x-api-key)
	Query    []string // accepted query parameters
	Request  any      // JSON body type, or nil
	Response any      // JSON answer type, or nil for non-JSON answers
	Status   int      // success status; 200 if zero
	handle   handlerFunc
}

// Routes is the whole route table.
func (a *API) Routes() []Route {
	return []Route{
		{Name: "healthz", Method: "GET", Path: "/healthz", Summary: "Liveness: the process serves requests",
			Response: statusBody{}, handle: a.healthz},
		{Name: "readyz", Method: "GET", Path: "/readyz", Summary: "Readiness: the store and key backends answer",
			Response: readyBody{}, handle: a.readyz},
		{Name: "metrics", Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", handle: a.metrics},
		{Name: "openapi", Method: "GET", Path: "/api/v1/openapi.json", Summary: "This OpenAPI document", handle: a.openapi},

		{Name: "me", Method: "GET", Path: "/api/v1/me", Summary: "The caller: user, permissions and factors",
			Auth: true, Response: meBody{}, handle: a.me},

		{Name: "listKeypairs", Method: "GET", Path: "/api/v1/keypairs", Summary: "List keypairs",
			Auth: true, Query: []string{"alias", "state", "storage", "status", "category", "type", "limit", "after"},
			Response: keypairList{}, handle: a.listKeypairs},
		{Name: "generateKeypair", Method: "POST", Path: "/api/v1/keypairs", Summary: "Generate a keypair",
			Auth: true, Request: createKeypairBody{}, Response: keypairView{}, Status: 201, handle: a.generateKeypair},
		{Name: "describeKeypair", Method: "GET", Path: "/api/v1/keypairs/{ref}", Summary: "Describe a keypair (by id or alias)",
			Auth: true, Response: keypairView{}, handle: a.describeKeypair},
		{Name: "suspendKeypair", Method: "POST", Path: "/api/v1/keypairs/{ref}/suspend", Summary: "Suspend a keypair",
			Auth: true, Response: keypairView{}, handle: a.suspendKeypair},
		{Name: "unsuspendKeypair", Method: "POST", Path: "/api/v1/keypairs/{ref}/unsuspend", Summary: "Unsuspend a keypair",
			Auth: true, Response: keypairView{}, handle: a.unsuspendKeypair},
		{Name: "deleteKeypair", Method: "DELETE", Path: "/api/v1/keypairs/{ref}", Summary: "Delete a keypair: destroy its key, keep its record",
			Auth: true, Response: keypairView{}, handle: a.deleteKeypair},

		{Name: "refreshKeypair", Method: "POST", Path: "/api/v1/keypairs/{ref}/refresh", Summary: "Replace a dynamic keypair's key now",
			Auth: true, Response: keypairView{}, handle: a.refreshKeypair},
		{Name: "keypairGenerations", Method: "GET", Path: "/api/v1/keypairs/{ref}/generations", Summary: "Public keys of every generation of a keypair",
			Auth: true, Response: generationList{}, handle: a.keypairGenerations},

		{Name: "sign", Method: "POST", Path: "/api/v1/keypairs/{ref}/sign", Summary: "Sign a digest",
			Auth: true, Request: signBody{}, Response: signAnswer{}, handle: a.sign},
		{Name: "signBatch", Method: "POST", Path: "/api/v1/keypairs/{ref}/sign-batch", Summary: "Sign many digests in one request",
			Auth: true, Request: batchBody{}, Response: batchAnswer{}, handle: a.signBatch},

		{Name: "listReleases", Method: "GET", Path: "/api/v1/releases", Summary: "List releases",
			Auth: true, Query: []string{"status", "keypair", "limit", "after"}, Response: releaseList{}, handle: a.listReleases},
		{Name: "createRelease", Method: "POST", Path: "/api/v1/releases", Summary: "Create (or, offline, request) a release",
			Auth: true, Request: release.CreateRequest{}, Response: releaseView{}, Status: 201, handle: a.createRelease},
		{Name: "describeRelease", Method: "GET", Path: "/api/v1/releases/{id}", Summary: "Describe a release",
			Auth: true, Response: releaseView{}, handle: a.describeRelease},
		{Name: "updateRelease", Method: "PATCH", Path: "/api/v1/releases/{id}", Summary: "Update a release (fields allowed depend on its status)",
			Auth: true, Request: release.UpdateRequest{}, Response: releaseView{}, handle: a.updateRelease},
		{Name: "approveRelease", Method: "POST", Path: "/api/v1/releases/{id}/approve", Summary: "Approve a pending release",
			Auth: true, Request: decisionBody{}, Response: releaseView{}, handle: a.approveRelease},
		{Name: "rejectRelease", Method: "POST", Path: "/api/v1/releases/{id}/reject", Summary: "Reject a pending release",
			Auth: true, Request: decisionBody{}, Response: releaseView{}, handle: a.rejectRelease},
		{Name: "closeRelease", Method: "POST", Path: "/api/v1/releases/{id}/close", Summary: "Close a release early",
			Auth: true, Response: releaseView{}, handle: a.closeRelease},

		{Name: "listSignatures", Method: "GET", Path: "/api/v1/logs/signatures", Summary: "Signature log (format=json or csv)",
			Auth: true, Query: []string{"from", "to", "user", "keypair", "status", "release", "limit", "after", "format"},
			Response: signatureList{}, handle: a.listSignatures},
		{Name: "listAudit", Method: "GET", Path: "/api/v1/logs/audit", Summary: "Audit log (format=json or csv)",
			Auth: true, Query: []string{"from", "to", "actor", "action", "type", "resource", "result", "limit", "after", "format"},
			Response: auditList{}, handle: a.listAudit},
	}
}
