package api

import (
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/release"
)

// Route is one entry of the route table. Request and Response are zero
// values of the body types, from which the OpenAPI document is generated.
type Route struct {
	Name         string // operationId
	Method       string
	Path         string // net/http pattern, e.g. /api/v1/keypairs/{ref}
	Summary      string
	Auth         bool     // needs an API token (x-api-key)
	Query        []string // accepted query parameters
	Request      any      // JSON body type, or nil; see requestRequired
	Response     any      // JSON answer type, or nil for non-JSON answers
	Status       int      // success status; 200 if zero
	OptionalBody bool     // the request may come without a body at all
	handle       handlerFunc
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
			Auth: true, Request: decisionBody{}, OptionalBody: true, Response: releaseView{}, handle: a.approveRelease},
		{Name: "rejectRelease", Method: "POST", Path: "/api/v1/releases/{id}/reject", Summary: "Reject a pending release",
			Auth: true, Request: decisionBody{}, OptionalBody: true, Response: releaseView{}, handle: a.rejectRelease},
		{Name: "closeRelease", Method: "POST", Path: "/api/v1/releases/{id}/close", Summary: "Close a release early",
			Auth: true, Response: releaseView{}, handle: a.closeRelease},

		{Name: "listSignatures", Method: "GET", Path: "/api/v1/logs/signatures", Summary: "Signature log (format=json or csv)",
			Auth: true, Query: []string{"from", "to", "user", "keypair", "status", "release", "limit", "after", "format"},
			Response: signatureList{}, handle: a.listSignatures},
		{Name: "listAudit", Method: "GET", Path: "/api/v1/logs/audit", Summary: "Audit log (format=json or csv)",
			Auth: true, Query: []string{"from", "to", "actor", "action", "type", "resource", "result", "limit", "after", "format"},
			Response: auditList{}, handle: a.listAudit},

		{Name: "importKeypair", Method: "POST", Path: "/api/v1/keypairs/{ref}/import", Summary: "Import a private key (PKCS#8 PEM or PKCS#12) as keypair {ref}",
			Auth: true, Request: importKeypairBody{}, Response: keypairView{}, Status: 201, handle: a.importKeypair},

		{Name: "signIn", Method: "POST", Path: "/api/v1/session", Summary: "Sign in to the web console (password, then TOTP); sets the session cookie",
			Request: auth.SignInRequest{}, Response: sessionBody{}, Status: 201, handle: a.signIn},
		{Name: "describeSession", Method: "GET", Path: "/api/v1/session", Summary: "The current web console session and its CSRF token",
			Auth: true, Response: sessionBody{}, handle: a.describeSession},
		{Name: "signOut", Method: "DELETE", Path: "/api/v1/session", Summary: "Sign out of the web console",
			Auth: true, Status: 204, handle: a.signOut},
		{Name: "beginTOTP", Method: "POST", Path: "/api/v1/session/totp", Summary: "Begin TOTP enrolment (password); the secret is shown once",
			Request: totpBody{}, Response: auth.TOTPEnrolment{}, Status: 201, handle: a.beginTOTP},

		{Name: "listUsers", Method: "GET", Path: "/api/v1/users", Summary: "List users",
			Auth: true, Response: userList{}, handle: a.listUsers},
		{Name: "createUser", Method: "POST", Path: "/api/v1/users", Summary: "Create a user",
			Auth: true, Request: auth.UserRequest{}, Response: auth.User{}, Status: 201, handle: a.createUser},
		{Name: "describeUser", Method: "GET", Path: "/api/v1/users/{user}", Summary: "Describe a user (by id or name)",
			Auth: true, Response: auth.User{}, handle: a.describeUser},
		{Name: "updateUser", Method: "PATCH", Path: "/api/v1/users/{user}", Summary: "Change a user's email, roles or groups",
			Auth: true, Request: auth.UserUpdate{}, Response: auth.User{}, handle: a.updateUser},
		{Name: "deleteUser", Method: "DELETE", Path: "/api/v1/users/{user}", Summary: "Delete a user and its credentials",
			Auth: true, Status: 204, handle: a.deleteUser},
		{Name: "disableUser", Method: "POST", Path: "/api/v1/users/{user}/disable", Summary: "Disable a user, revoking all its credentials at once",
			Auth: true, Response: auth.User{}, handle: a.disableUser},
		{Name: "enableUser", Method: "POST", Path: "/api/v1/users/{user}/enable", Summary: "Enable a disabled user (revoked credentials stay revoked)",
			Auth: true, Response: auth.User{}, handle: a.enableUser},
		{Name: "setPassword", Method: "PUT", Path: "/api/v1/users/{user}/password", Summary: "Set a password (one's own with the current one)",
			Auth: true, Request: auth.PasswordRequest{}, Status: 204, handle: a.setPassword},
		{Name: "unlockUser", Method: "POST", Path: "/api/v1/users/{user}/unlock", Summary: "Clear a user's failed sign-ins and lockout",
			Auth: true, Status: 204, handle: a.unlockUser},
		{Name: "resetTOTP", Method: "DELETE", Path: "/api/v1/users/{user}/totp", Summary: "Remove a user's TOTP and recovery codes (lost device)",
			Auth: true, Status: 204, handle: a.resetTOTP},

		{Name: "listGroups", Method: "GET", Path: "/api/v1/groups", Summary: "List groups with their members",
			Auth: true, Response: groupList{}, handle: a.listGroups},
		{Name: "createGroup", Method: "POST", Path: "/api/v1/groups", Summary: "Create a group",
			Auth: true, Request: auth.GroupRequest{}, Response: auth.Group{}, Status: 201, handle: a.createGroup},
		{Name: "deleteGroup", Method: "DELETE", Path: "/api/v1/groups/{group}", Summary: "Delete a group",
			Auth: true, Status: 204, handle: a.deleteGroup},
		{Name: "addGroupMember", Method: "PUT", Path: "/api/v1/groups/{group}/members/{user}", Summary: "Add a user to a group",
			Auth: true, Response: auth.User{}, handle: a.addGroupMember},
		{Name: "removeGroupMember", Method: "DELETE", Path: "/api/v1/groups/{group}/members/{user}", Summary: "Take a user out of a group",
			Auth: true, Response: auth.User{}, handle: a.removeGroupMember},

		{Name: "listTeams", Method: "GET", Path: "/api/v1/teams", Summary: "List the teams one belongs to or manages",
			Auth: true, Response: teamList{}, handle: a.listTeams},
		{Name: "createTeam", Method: "POST", Path: "/api/v1/teams", Summary: "Create a team",
			Auth: true, Request: auth.TeamRequest{}, Response: auth.Team{}, Status: 201, handle: a.createTeam},
		{Name: "describeTeam", Method: "GET", Path: "/api/v1/teams/{team}", Summary: "Describe a team and its members",
			Auth: true, Response: auth.Team{}, handle: a.describeTeam},
		{Name: "deleteTeam", Method: "DELETE", Path: "/api/v1/teams/{team}", Summary: "Delete a team",
			Auth: true, Status: 204, handle: a.deleteTeam},
		{Name: "setTeamMember", Method: "PUT", Path: "/api/v1/teams/{team}/members", Summary: "Add a user or group to a team, with its roles there",
			Auth: true, Request: auth.MemberRequest{}, Response: auth.Team{}, handle: a.setTeamMember},
		{Name: "removeTeamMember", Method: "DELETE", Path: "/api/v1/teams/{team}/members/{kind}/{member}", Summary: "Take a user or group out of a team",
			Auth: true, Response: auth.Team{}, handle: a.removeTeamMember},

		{Name: "listRoles", Method: "GET", Path: "/api/v1/roles", Summary: "Built-in and custom roles with their permissions",
			Auth: true, Response: roleList{}, handle: a.listRoles},
		{Name: "createRole", Method: "POST", Path: "/api/v1/roles", Summary: "Create a custom role",
			Auth: true, Request: auth.RoleRequest{}, Response: policy.Role{}, Status: 201, handle: a.createRole},
		{Name: "updateRole", Method: "PUT", Path: "/api/v1/roles/{role}", Summary: "Replace a custom role's permissions",
			Auth: true, Request: auth.RoleRequest{}, Response: policy.Role{}, handle: a.updateRole},
		{Name: "deleteRole", Method: "DELETE", Path: "/api/v1/roles/{role}", Summary: "Delete a custom role nobody holds",
			Auth: true, Status: 204, handle: a.deleteRole},

		{Name: "getSettings", Method: "GET", Path: "/api/v1/settings", Summary: "Account settings",
			Auth: true, Response: auth.Settings{}, handle: a.getSettings},
		{Name: "updateSettings", Method: "PATCH", Path: "/api/v1/settings", Summary: "Change account settings",
			Auth: true, Request: auth.SettingsUpdate{}, Response: auth.Settings{}, handle: a.updateSettings},

		{Name: "listTokens", Method: "GET", Path: "/api/v1/tokens", Summary: "List API tokens (one's own, or ?user=)",
			Auth: true, Query: []string{"user"}, Response: tokenList{}, handle: a.listTokens},
		{Name: "createToken", Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token; the secret is shown once",
			Auth: true, Request: auth.TokenRequest{}, Response: newToken{}, Status: 201, handle: a.createToken},
		{Name: "revokeToken", Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token",
			Auth: true, Response: auth.Token{}, handle: a.revokeToken},

		{Name: "listClientCerts", Method: "GET", Path: "/api/v1/client-certs", Summary: "List client certificates (one's own, or ?user=)",
			Auth: true, Query: []string{"user"}, Response: clientCertList{}, handle: a.listClientCerts},
		{Name: "issueClientCert", Method: "POST", Path: "/api/v1/client-certs", Summary: "Issue a client certificate as PKCS#12; its password is shown once. Needs the caller's client certificate or a web session, not a token alone",
			Auth: true, Request: auth.CertRequest{}, Response: newClientCert{}, Status: 201, handle: a.issueClientCert},
		{Name: "revokeClientCert", Method: "DELETE", Path: "/api/v1/client-certs/{id}", Summary: "Revoke a client certificate",
			Auth: true, Response: auth.ClientCert{}, handle: a.revokeClientCert},

		{Name: "listCertificates", Method: "GET", Path: "/api/v1/keypairs/{ref}/certificates", Summary: "List a keypair's certificates",
			Auth: true, Response: certList{}, handle: a.listCertificates},
		{Name: "issueCertificate", Method: "POST", Path: "/api/v1/keypairs/{ref}/certificates", Summary: "Issue a certificate for a keypair under a certificate profile",
			Auth: true, Request: ca.IssueRequest{}, Response: certView{}, Status: 201, handle: a.issueCertificate},
		{Name: "importCertificate", Method: "POST", Path: "/api/v1/keypairs/{ref}/certificates/import", Summary: "Import a certificate an external CA issued for the keypair's key, with its chain",
			Auth: true, Request: ca.ImportRequest{}, Response: certView{}, Status: 201, handle: a.importCertificate},
		{Name: "createCSR", Method: "POST", Path: "/api/v1/keypairs/{ref}/csr", Summary: "Make a PKCS#10 request for the keypair's key, for an external CA",
			Auth: true, Request: ca.CSRRequest{}, Response: csrAnswer{}, handle: a.createCSR},
		{Name: "downloadKeypairCertificate", Method: "GET", Path: "/api/v1/keypairs/{ref}/certificate", Summary: "Download a keypair's default certificate (format=pem, der, chain, fullchain, p7b)",
			Auth: true, Query: []string{"format"}, handle: a.downloadKeypairCertificate},
		{Name: "describeCertificate", Method: "GET", Path: "/api/v1/certificates/{id}", Summary: "Describe a certificate",
			Auth: true, Response: certView{}, handle: a.describeCertificate},
		{Name: "updateCertificate", Method: "PATCH", Path: "/api/v1/certificates/{id}", Summary: "Make a certificate the keypair's default; turn its renewal on or off",
			Auth: true, Request: ca.UpdateRequest{}, Response: certView{}, handle: a.updateCertificate},
		{Name: "revokeCertificate", Method: "POST", Path: "/api/v1/certificates/{id}/revoke", Summary: "Revoke a certificate with a reason; the CRL is republished at once",
			Auth: true, Request: revokeBody{}, OptionalBody: true, Response: certView{}, handle: a.revokeCertificate},
		{Name: "downloadCertificate", Method: "GET", Path: "/api/v1/certificates/{id}/download", Summary: "Download a certificate (format=pem, der, chain, fullchain, p7b)",
			Auth: true, Query: []string{"format"}, handle: a.downloadCertificate},

		{Name: "listCertProfiles", Method: "GET", Path: "/api/v1/certificate-profiles", Summary: "List certificate profiles",
			Auth: true, Response: certProfileList{}, handle: a.listCertProfiles},
		{Name: "createCertProfile", Method: "POST", Path: "/api/v1/certificate-profiles", Summary: "Create a certificate profile",
			Auth: true, Request: ca.CertProfile{}, Response: ca.CertProfile{}, Status: 201, handle: a.createCertProfile},
		{Name: "describeCertProfile", Method: "GET", Path: "/api/v1/certificate-profiles/{name}", Summary: "Describe a certificate profile",
			Auth: true, Response: ca.CertProfile{}, handle: a.describeCertProfile},
		{Name: "replaceCertProfile", Method: "PUT", Path: "/api/v1/certificate-profiles/{name}", Summary: "Replace a certificate profile",
			Auth: true, Request: ca.CertProfile{}, Response: ca.CertProfile{}, handle: a.replaceCertProfile},
		{Name: "deleteCertProfile", Method: "DELETE", Path: "/api/v1/certificate-profiles/{name}", Summary: "Delete a certificate profile",
			Auth: true, Status: 204, handle: a.deleteCertProfile},
		{Name: "listKeypairProfiles", Method: "GET", Path: "/api/v1/keypair-profiles", Summary: "List keypair profiles",
			Auth: true, Response: keypairProfileList{}, handle: a.listKeypairProfiles},
		{Name: "createKeypairProfile", Method: "POST", Path: "/api/v1/keypair-profiles", Summary: "Create a keypair profile",
			Auth: true, Request: ca.KeypairProfile{}, Response: ca.KeypairProfile{}, Status: 201, handle: a.createKeypairProfile},
		{Name: "describeKeypairProfile", Method: "GET", Path: "/api/v1/keypair-profiles/{name}", Summary: "Describe a keypair profile",
			Auth: true, Response: ca.KeypairProfile{}, handle: a.describeKeypairProfile},
		{Name: "replaceKeypairProfile", Method: "PUT", Path: "/api/v1/keypair-profiles/{name}", Summary: "Replace a keypair profile",
			Auth: true, Request: ca.KeypairProfile{}, Response: ca.KeypairProfile{}, handle: a.replaceKeypairProfile},
		{Name: "deleteKeypairProfile", Method: "DELETE", Path: "/api/v1/keypair-profiles/{name}", Summary: "Delete a keypair profile",
			Auth: true, Status: 204, handle: a.deleteKeypairProfile},
		{Name: "getProfileSettings", Method: "GET", Path: "/api/v1/settings/profiles", Summary: "Profile settings (require a keypair profile)",
			Auth: true, Response: ca.Settings{}, handle: a.getProfileSettings},
		{Name: "putProfileSettings", Method: "PUT", Path: "/api/v1/settings/profiles", Summary: "Change the profile settings",
			Auth: true, Request: profileSettingsBody{}, Response: ca.Settings{}, handle: a.putProfileSettings},

		{Name: "listCAs", Method: "GET", Path: "/api/v1/ca", Summary: "List the certificate authorities and the TSA",
			Auth: true, Response: caList{}, handle: a.listCAs},
		{Name: "createCA", Method: "POST", Path: "/api/v1/ca", Summary: "Create another issuing CA below the root",
			Auth: true, Request: ca.CARequest{}, Response: caView{}, Status: 201, handle: a.createCA},
		{Name: "describeCA", Method: "GET", Path: "/api/v1/ca/{name}", Summary: "Describe a certificate authority (public)",
			Response: caView{}, handle: a.describeCA},
		{Name: "caCertificate", Method: "GET", Path: "/api/v1/ca/{name}/certificate", Summary: "Download a CA certificate (format=pem, der, chain; public)",
			Query: []string{"format"}, handle: a.caCertificate},
		{Name: "caFile", Method: "GET", Path: "/ca/{file}", Summary: "A CA certificate by its issuer URL: NAME.crt (DER) or NAME.pem (public)",
			handle: a.caFile},
		{Name: "crl", Method: "GET", Path: "/crl/{file}", Summary: "The CRL of a CA: NAME.crl, DER (public)",
			handle: a.crl},
		{Name: "ocspPost", Method: "POST", Path: "/ocsp", Summary: "OCSP responder (RFC 6960), application/ocsp-request (public)",
			handle: a.ocspPost},
		{Name: "ocspGet", Method: "GET", Path: "/ocsp/{request...}", Summary: "OCSP responder, GET form: base64 of the request (public)",
			handle: a.ocspGet},
		{Name: "timestamp", Method: "POST", Path: "/tsa", Summary: "Time-stamping authority (RFC 3161), application/timestamp-query (public)",
			handle: a.timestampReply},
	}
}
