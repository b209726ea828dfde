package api_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// The authorization table: DESIGN.md's roles, over HTTPS, for every
// permission-guarded endpoint, with teams on. It is the spec.
//
// Each cell lists, in the order L T D B S (Lead, Team lead, Developer,
// Build engineer, Signer), the roles allowed; "." marks a role refused.
// The callers are all members of team "blue", holding their role
// account-wide. Endpoints on a keypair have one cell per keypair access:
//
//	open         an open keypair of team blue
//	allowed      a restricted keypair of team blue listing the caller
//	not-allowed  a restricted keypair of team blue listing someone else
//	other-team   an open keypair of team red
//
// Endpoints on a team's resource (a release, a team) have two cells: in
// team blue, in team red. Profiles, which may belong to a team or to none,
// have three: in no team (account), in blue, in red. Others have one.
// Certificates are those of the keypair of the column. "+2F" marks the
// permissions that need the second factor; "+2F|session" those that need
// it or a web console session (making a client certificate). Every cell
// assumes both factors (API token + the caller's client certificate); the
// factor rules follow the table.
//
// Every refusal is audited: a refused cell leaves exactly one denied record
// of its caller, whose reason is the message of the answer (which names the
// missing permission or factor); an allowed cell leaves none.
const authzSpec = `
endpoint                          needs                                   open   allowed  not-allowed  other-team
describe keypair                  keypair.view (else: may sign with it)   LTDBS  LTDBS    LTD.S        L....
keypair generations               keypair.view (else: may sign with it)   LTDBS  LTDBS    LTD.S        L....
suspend keypair                   keypair.manage                          LT...  LT...    LT...        L....
unsuspend keypair                 keypair.manage                          LT...  LT...    LT...        L....
refresh keypair                   keypair.manage                          LT...  LT...    LT...        L....
delete keypair                    keypair.delete+2F                       LT...  LT...    LT...        L....
sign                              sign+2F (Signer: sign.assigned)         LTDB.  LTDBS    .....        L....
sign batch                        sign+2F (Signer: sign.assigned)         LTDB.  LTDBS    .....        L....
generate keypair                  keypair.generate+2F                     LTD..  LTD..    LTD..        L....
import keypair                    keypair.import+2F                       LT...  LT...    LT...        L....
list certificates                 certificate.view                        LTD.S  LTD.S    LTD.S        L....
download keypair certificate      certificate.view                        LTD.S  LTD.S    LTD.S        L....
describe certificate              certificate.view                        LTD.S  LTD.S    LTD.S        L....
download certificate              certificate.view                        LTD.S  LTD.S    LTD.S        L....
issue certificate                 certificate.generate (uses the key)     LTD..  LTD..    .....        L....
create CSR                        certificate.generate+2F (uses the key)  LTD..  LTD..    .....        L....
import certificate                certificate.generate (uses the key)     LTD..  LTD..    .....        L....
update certificate                certificate.generate (uses the key)     LTD..  LTD..    .....        L....
revoke certificate                keypair.manage                          LT...  LT...    LT...        L....

endpoint                          needs                                   blue   red
describe release                  release.view                            LTD.S  L....
create release                    release.request                         L.D..  L....
approve release                   release.approve+2F                      LT...  L....
reject release                    release.approve+2F                      LT...  L....
update release (not creator)      release.manage or release.approve+2F    LT...  L....
close release (not creator)       release.manage or release.approve+2F    LT...  L....
describe team                     team.manage or membership               LTDBS  L....
set team member                   team.manage                             LT...  L....
remove team member                team.manage                             LT...  L....

endpoint                          needs                                   account  blue   red
describe certificate profile      profile.view                            LTD.S    LTD.S  L....
create certificate profile        profile.manage                          L....    L....  L....
replace certificate profile       profile.manage                          L....    L....  L....
delete certificate profile        profile.manage                          L....    L....  L....
describe keypair profile          profile.view                            LTD.S    LTD.S  L....
create keypair profile            profile.manage                          L....    L....  L....
replace keypair profile           profile.manage                          L....    L....  L....
delete keypair profile            profile.manage                          L....    L....  L....

endpoint                          needs                                   any
list keypairs                     keypair.view or sign                    LTDBS
list releases                     release.view                            LTD.S
signature log                     audit.view                              LTD.S
audit log                         audit.view                              LTD.S
audit export                      audit.export                            L....
list users                        user.manage                             L....
create user                       user.manage                             L....
describe another user             user.manage                             L....
update user                       user.manage                             L....
disable user                      user.manage                             L....
enable user                       user.manage                             L....
delete user                       user.manage                             L....
set another's password            user.manage+2F|session                  L....
unlock user                       user.manage                             L....
reset user's TOTP                 user.manage+2F|session                  L....
list groups                       user.manage                             L....
create group                      user.manage                             L....
delete group                      user.manage                             L....
add group member                  user.manage                             L....
remove group member               user.manage                             L....
create team                       team.manage                             L....
delete team                       team.manage                             L....
list teams (own ones)             -                                       LTDBS
list roles                        -                                       LTDBS
create role                       role.manage                             L....
update role                       role.manage                             L....
delete role                       role.manage                             L....
get settings                      -                                       LTDBS
update settings                   settings.manage                         L....
list own tokens                   credentials.manage_own                  LTDBS
create own token                  credentials.manage_own                  LTDBS
revoke own token                  credentials.manage_own                  LTDBS
list another's tokens             user.manage                             L....
list own client certificates      credentials.manage_own                  LTDBS
issue own client certificate      credentials.manage_own+2F|session       LTDBS
revoke own client certificate     credentials.manage_own                  LTDBS
list certificate profiles         profile.view                            LTD.S
list keypair profiles             profile.view                            LTD.S
get profile settings              profile.view                            LTD.S
change profile settings           settings.manage                         L....
list CAs                          -                                       LTDBS
create CA                         ca.manage                               L....
me                                -                                       LTDBS
`

// The factor rules: how each way of presenting credentials changes a cell.
var factors = []factor{
	// Token and the caller's own valid client certificate: the cell.
	{"token + client certificate", func(cell bool, _ string) want { return cellWant(cell) }},
	// Token alone: endpoints needing the second factor refuse, naming it.
	{"token only", func(cell bool, refusal string) want {
		if refusal != "" && cell {
			return want{403, refusal}
		}
		return cellWant(cell)
	}},
	// A certificate of another user, a revoked certificate, or an expired
	// token: refused before anything else.
	{"client certificate of another user", func(bool, string) want { return want{401, "client_certificate_mismatch"} }},
	{"revoked client certificate", func(bool, string) want { return want{401, "client_certificate_revoked"} }},
	{"expired token", func(bool, string) want { return want{401, "api_key_expired"} }},
}

// tokenOnlyRefusal is the code a row's allowed cells answer a token alone:
// "" when the row needs no second factor.
func tokenOnlyRefusal(needs string) string {
	switch {
	case strings.Contains(needs, "+2F|session"):
		return "second_factor_required"
	case strings.Contains(needs, "+2F"):
		return "client_certificate_required"
	}
	return ""
}

// cellWant is 2xx for an allowed cell, else a 403 with a denial code.
func cellWant(allowed bool) want {
	if allowed {
		return want{200, ""}
	}
	return want{403, "*"}
}

var roleOrder = []string{"lead", "team_lead", "developer", "build_engineer", "signer"}

// row is one endpoint of the spec.
type row struct {
	name, needs string
	cells       []string
}

// parseSpec reads authzSpec: columns are separated by two spaces or more.
func parseSpec(t *testing.T) []row {
	var rows []row
	sep := regexp.MustCompile(`\s{2,}`)
	for _, line := range strings.Split(authzSpec, "\n") {
		f := sep.Split(strings.TrimSpace(line), -1)
		if len(f) < 3 || f[0] == "endpoint" {
			continue
		}
		rows = append(rows, row{name: f[0], needs: f[1], cells: f[2:]})
	}
	if len(rows) != len(probes) {
		t.Fatalf("the spec has %d endpoints, the probes %d", len(rows), len(probes))
	}
	return rows
}

// TestAuthorizationTable runs every role × endpoint × access × factor, on
// both stores at once. On each, the five roles run concurrently, each its
// cells in order, so that its audit records can be matched with its cells
// by time (authz_audit_test.go).
func TestAuthorizationTable(t *testing.T) {
	rows := parseSpec(t)
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, servertest.Stores()[name])
			var wg sync.WaitGroup
			for _, role := range roleOrder {
				wg.Add(1)
				go func() {
					defer wg.Done()
					f.runRole(t, rows, role)
				}()
			}
			wg.Wait()
		})
	}
}

// runRole sends every cell of the table as role, then checks the audit
// records the refusals left.
func (f *fixture) runRole(t *testing.T, rows []row, role string) {
	var cells []cell
	for _, r := range rows {
		ep, ok := probes[r.name]
		if !ok {
			t.Errorf("no probe for %q", r.name)
			continue
		}
		accesses := ep.scope.accesses()
		if len(r.cells) != len(accesses) {
			t.Errorf("%s: %d cells for %d accesses", r.name, len(r.cells), len(accesses))
			continue
		}
		k := slices.Index(roleOrder, role)
		for i, acc := range accesses {
			for _, fa := range factors {
				w := fa.rule(r.cells[i][k] != '.', tokenOnlyRefusal(r.needs))
				name := fmt.Sprintf("%s/%s/%s/%s", r.name, acc, role, fa.name)
				cells = append(cells, f.check(t, name, r, ep.probe, acc, role, fa.name, w))
			}
		}
	}
	f.checkAudit(t, f.callers[role]["token + client certificate"].ID, cells)
}
