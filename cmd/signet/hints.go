package main

import (
	"net/http"
	"strings"

	"github.com/signet-project/signet/internal/client"
)

// apiFixes tells what to do about each stable error code of the API.
var apiFixes = map[string]string{
	"missing_api_key":             "set SIGNET_API_KEY, or run \"signet credentials save\"",
	"invalid_api_key":             "the API key is not known to this server: check SIGNET_API_KEY{api_key} or ask a Lead for a new token (signet token create --user YOU)",
	"api_key_expired":             "the API key has expired: ask a Lead for a new token (signet token create --user YOU) and save it with \"signet credentials save\"",
	"api_key_revoked":             "the API key was revoked: ask a Lead for a new token (signet token create --user YOU) and save it with \"signet credentials save\"",
	"user_disabled":               "your user is disabled: ask a Lead to enable it",
	"client_certificate_required": "this action needs your client certificate: set SIGNET_CLIENT_CERT_FILE (PKCS#12) and SIGNET_CLIENT_CERT_PASSWORD",
	"second_factor_required":      "an API key alone cannot make a client certificate: set your current one (SIGNET_CLIENT_CERT_FILE and SIGNET_CLIENT_CERT_PASSWORD); your first comes from a Lead (signet client-cert issue --user YOU) or from a web console sign-in",
	"client_certificate_unknown":  "the server does not know this client certificate{client_cert_file}: without it (unset SIGNET_CLIENT_CERT_FILE) issue one with \"signet client-cert issue --out FILE.p12\", or ask a Lead (signet client-cert issue --user YOU)",
	"client_certificate_expired":  "the client certificate{client_cert_file} has expired: without it (unset SIGNET_CLIENT_CERT_FILE) issue a new one with \"signet client-cert issue --out FILE.p12\", or ask a Lead",
	"client_certificate_revoked":  "the client certificate{client_cert_file} was revoked: without it (unset SIGNET_CLIENT_CERT_FILE) issue a new one with \"signet client-cert issue --out FILE.p12\", or ask a Lead",
	"client_certificate_mismatch": "the client certificate{client_cert_file} belongs to another user than the API key: use the pair issued to you",
	"permission_denied":           "ask a Lead for a role with this permission; \"signet healthcheck\" lists what you may do",
	"keypair_access_denied":       "the keypair is restricted: ask a Lead to add you to its allowed users or groups",
	"keypair_suspended":           "unsuspend it with \"signet keypair unsuspend ALIAS\" (needs keypair.manage)",
	"keypair_offline":             "offline keypairs sign only inside an approved release window: request one with \"signet release create NAME --type offline --keypair ALIAS ...\", or use an online keypair",
	"keypair_destroyed":           "the keypair was deleted and cannot sign: generate a new one with \"signet keypair generate\"",
	"keypair_not_found":           "list the keypairs you may see with \"signet keypair ls\"",
	"alias_taken":                 "choose another alias; \"signet keypair describe ALIAS\" shows the existing keypair",
	"unknown_sig_alg":             "pass --sig-alg with one of the names above, or leave it out to pick the keypair's default",
	"sig_alg_mismatch":            "pass a --sig-alg that fits the keypair's algorithm, or leave it out",
	"key_algorithm_mismatch":      "pass a --sig-alg that fits the keypair's algorithm, or leave it out",
	"bad_digest_length":           "pass a --digest-alg that matches --sig-alg, or leave both out",
	"storage_unavailable":         "use --storage disk, or ask the administrator to configure the HSM",
	"batch_too_large":             "sign at most 1000 files per request (signet splits larger sets itself; upgrade signet)",
	"invalid_format":              "use --format csv or --format json",

	"release_quota_exhausted": "the release has used its maximum: its creator or an approver may raise it (signet release update ID --max-signatures N)",
	"release_not_approved":    "the release waits for approval: an approver runs \"signet release approve ID\"; \"signet release ls --status pending\" lists them",
	"release_not_started":     "sign once the release window starts (signet release describe ID shows it), or move --start with \"signet release update\"",
	"release_ended":           "the release window has ended: request a new release with \"signet release create\"",
	"not_release_participant": "ask the release's creator to add you: signet release update ID --participants ...",
	"release_not_found":       "list the releases you may see with \"signet release ls\"",
	"keypair_in_live_release": "a keypair is in at most one live release: close the other (signet release ls --keypair ALIAS) or wait for its end",
	"own_release":             "another approver must decide on a release you requested",
	"already_decided":         "each approver decides once and cannot change it; \"signet release describe ID\" shows the decisions",
	"release_conflict":        "the release was being changed by others at the same time: run the command again",
	"release_not_pending":     "only a pending release can be approved or rejected; \"signet release describe ID\" shows its status",
	"release_closed":          "the release is over; create a new one with \"signet release create\"",
	"release_fields_locked":   "only --name, --version and --note change now; create a new release for the rest",
	"unknown_participant":     "name participants by user name or ID",
	"invalid_window":          "give --start before --end, at most 366 days apart (RFC 3339, now, or +DURATION)",
	"not_dynamic":             "only dynamic keypairs are refreshed: generate one with --type dynamic",

	"no_certificate":               "issue one with \"signet keypair generate-cert ALIAS\" (or generate keypairs with --generate-cert); \"signet certificate ls ALIAS\" lists its certificates",
	"certificate_not_found":        "take an ID from \"signet certificate ls ALIAS\"",
	"cert_profile_not_found":       "name a certificate profile that exists (production and test always do), or leave the profile out",
	"profile_category_mismatch":    "use a certificate profile of the keypair's category (production or test), or leave the profile out",
	"profile_team_mismatch":        "use a profile of the keypair's team, or one without a team",
	"validity_exceeds_issuer":      "use a profile with a shorter validity, or ask a Lead to renew the issuing CA",
	"certificate_revoked":          "the certificate is revoked: issue a new one with \"signet keypair generate-cert ALIAS\"",
	"certificate_expired":          "issue a new certificate with \"signet keypair generate-cert ALIAS\"",
	"external_certificate":         "revoke it at the CA that issued it",
	"invalid_reason":               "pass --reason unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation or privilegeWithdrawn",
	"certificate_key_mismatch":     "import the certificate issued for this keypair's current key: make a new request with \"signet certificate csr ALIAS\"",
	"invalid_certificate":          "pass --cert a certificate file, PEM or DER",
	"invalid_chain":                "pass --chain the PEM bundle of the issuer's chain: the issuer first, the root last",
	"certificate_exists":           "this certificate is imported already: \"signet certificate ls ALIAS\" shows it",
	"invalid_subject":              "use --subject with CN, O, OU, C, ST or L, e.g. --subject CN=Example,O=Example",
	"user_not_found":               "list the users with \"signet user ls\"",
	"unknown_role":                 "roles: lead, team_lead, developer, build_engineer, signer, or a custom role (signetd role list)",
	"unknown_group":                "create the group first (signetd group create NAME), or leave --group out",
	"invalid_type":                 "use --type standard or --type service",
	"invalid_name":                 "names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
	"invalid_password":             "service users have no password: leave --password-stdin out and make them a token (signet token create --user NAME)",
	"weak_password":                "choose a longer password",
	"cannot_disable_self":          "ask another Lead to disable your user",
	"cannot_delete_self":           "ask another Lead to delete your user",
	"conflict":                     "the name is taken: choose another, or \"signet user describe NAME\" shows the existing one",
	"token_not_found":              "take an ID from \"signet token ls\" (add --user NAME for another user's)",
	"invalid_expiry":               "pass --expires as a positive duration such as 720h",
	"client_certificate_not_found": "take an ID from \"signet client-cert ls\" (add --user NAME for another user's)",
	"invalid_validity":             "pass --validity in whole days, e.g. 2160h, at most what the server allows",
	"no_client_ca":                 "the server has no client CA key: ask the administrator to set tls.client_ca_key_file",
}

// explainAPI maps an API error to an exit code, its reason and the fix.
func (a *app) explainAPI(e *client.APIError) (int, string, string) {
	msg := e.Message
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	fix := apiFixes[e.Code]
	code := exitError
	switch {
	case e.Status == http.StatusUnauthorized:
		code = exitCredentials
	case e.Code == "client_certificate_required", e.Code == "second_factor_required":
		code = exitCredentials
	case e.Status == http.StatusForbidden:
		code = exitDenied
	case e.Status == http.StatusNotFound:
		code = exitNotFound
		if fix == "" {
			fix = "check SIGNET_HOST" + a.from("host") + ": it should be the server's base URL, without /api/v1"
		}
	case e.Status == http.StatusConflict:
		code = exitConflict
	case e.Status == http.StatusBadRequest:
		code = exitUsage
	}
	if fix == "" {
		switch {
		case e.Status == http.StatusBadRequest:
			fix = "correct the value named above; --help lists the accepted values"
		case e.Status >= 500:
			fix = "a server-side problem: retry, and ask the administrator to check the signetd logs"
		default:
			fix = "check the command's arguments; \"signet healthcheck\" checks the setup"
		}
	}
	return code, msg, a.fill(fix)
}

// fill replaces {field} in a fix with where that credential came from.
func (a *app) fill(fix string) string {
	for _, f := range []string{"api_key", "client_cert_file", "host"} {
		fix = strings.ReplaceAll(fix, "{"+f+"}", a.from(f))
	}
	return fix
}
