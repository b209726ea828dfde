package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/pki"
)

// signetdIn is signetd with stdin.
func signetdIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := rootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestAdminCommands drives every identity admin command on a dev store.
func TestAdminCommands(t *testing.T) {
	cfg, _ := devConfig(t)
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, err := signetdIn(t, stdin, append(args, "-c", cfg)...)
		if err != nil {
			t.Fatalf("signetd %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	fail := func(want string, args ...string) {
		t.Helper()
		out, err := signetdIn(t, "", append(args, "-c", cfg)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("signetd %s: %v (%s), want an error with %q", strings.Join(args, " "), err, out, want)
		}
	}
	run("", "group", "create", "builders", "--description", "CI")
	run("correct horse battery staple\n", "user", "create", "alice", "--role", "developer", "--group", "builders", "--password-stdin")
	run("", "user", "create", "ci-bot", "--type", "service", "--role", "build_engineer")
	fail(`no role "wizard"`, "user", "create", "bob", "--role", "wizard")
	fail("no password on standard input", "user", "set-password", "alice")
	if out, err := signetdIn(t, "short\n", "user", "set-password", "alice", "-c", cfg); err == nil || !strings.Contains(err.Error(), "needs 12") {
		t.Fatalf("short password: %v %s", err, out)
	}
	run("another long passphrase\n", "user", "set-password", "alice")
	if out := run("", "user", "list"); !strings.Contains(out, "alice") || !strings.Contains(out, "builders") || !strings.Contains(out, "service") {
		t.Fatalf("user list:\n%s", out)
	}
	if out := run("", "group", "list"); !regexp.MustCompile(`builders\s+alice\s+CI`).MatchString(out) {
		t.Fatalf("group list:\n%s", out)
	}
	run("", "role", "create", "releaser", "--permission", "release.request,release.view")
	fail(`no permission "fly"`, "role", "create", "bad", "--permission", "fly")
	if out := run("", "role", "list"); !strings.Contains(out, "releaser") || !strings.Contains(out, "sign.assigned") {
		t.Fatalf("role list:\n%s", out)
	}
	run("", "team", "create", "mobile")
	run("", "team", "add", "mobile", "alice", "--role", "team_lead")
	run("", "team", "add", "mobile", "builders", "--group", "--role", "releaser")
	if out := run("", "team", "list"); !strings.Contains(out, "team_lead") || !strings.Contains(out, "releaser") {
		t.Fatalf("team list:\n%s", out)
	}
	fail("held by a user or team member", "role", "delete", "releaser") // held inside the team
	run("", "team", "remove", "mobile", "builders", "--group")
	run("", "role", "delete", "releaser")
	if out := run("", "settings", "set", "--teams=true", "--require-2fa=true"); !strings.Contains(out, "teams_enabled: true") {
		t.Fatalf("settings set: %s", out)
	}
	if out := run("", "settings", "show"); !strings.Contains(out, "release_approvals: 1\n") || !strings.Contains(out, "rotation_interval: 15m0s") ||
		!strings.Contains(out, "require_keypair_profile: false\n") {
		t.Fatalf("settings show, defaults: %s", out)
	}
	if out := run("", "settings", "set", "--release-approvals", "3", "--rotation-interval", "30m"); !strings.Contains(out, "release_approvals: 3\n") ||
		!strings.Contains(out, "rotation_interval: 30m0s") || !strings.Contains(out, "teams_enabled: true") {
		t.Fatalf("settings set: %s", out)
	}
	if out := run("", "settings", "set", "--require-keypair-profile"); !strings.Contains(out, "require_keypair_profile: true\n") ||
		!strings.Contains(out, "release_approvals: 3\n") {
		t.Fatalf("settings set --require-keypair-profile: %s", out)
	}
	if out := run("", "settings", "set", "--require-keypair-profile=false"); !strings.Contains(out, "require_keypair_profile: false\n") {
		t.Fatalf("settings set --require-keypair-profile=false: %s", out)
	}
	fail("release_approvals must be from 1 to 10", "settings", "set", "--release-approvals", "11")
	fail("rotation_interval_seconds must be from 60", "settings", "set", "--rotation-interval", "30s")
	fail("rotation_interval_seconds must be from 60", "settings", "set", "--rotation-interval", "25h")

	secret := strings.TrimSpace(strings.Split(run("", "token", "create", "ci-bot", "--name", "ci", "--expires", "24h"), "\n")[0])
	if !strings.HasPrefix(secret, "sgn_") {
		t.Fatalf("token create printed %q", secret)
	}
	list := run("", "token", "list", "ci-bot")
	if strings.Contains(list, secret) || !strings.Contains(list, secret[:12]) {
		t.Fatalf("token list must show the prefix, never the secret:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	run("", "token", "revoke", id)

	p12 := t.TempDir() + "/alice.p12"
	out := run("", "client-cert", "issue", "alice", "--out", p12)
	password := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if password == nil {
		t.Fatalf("client-cert issue: %s", out)
	}
	data, err := os.ReadFile(p12)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pki.DecodePKCS12(data, password[1]); err != nil {
		t.Fatalf("issued PKCS#12 does not open with the printed password: %v", err)
	}
	certs := run("", "client-cert", "list", "alice")
	run("", "client-cert", "revoke", strings.Fields(strings.Split(certs, "\n")[1])[0])
	if !strings.Contains(run("", "client-cert", "list", "alice"), "Z\n") {
		t.Fatal("revoked certificate shows no revocation time")
	}

	run("", "user", "disable", "alice")
	run("", "user", "enable", "alice")
	run("", "user", "unlock", "alice")
	run("", "user", "reset-2fa", "alice")
	run("", "group", "remove", "builders", "alice")
	run("", "group", "delete", "builders")
	run("", "team", "delete", "mobile")
	run("", "user", "delete", "ci-bot")
	if out := run("", "user", "list"); strings.Contains(out, "ci-bot") {
		t.Fatalf("deleted user still listed:\n%s", out)
	}
	// Every change above is in the audit log, whose chain holds.
	if out := run("", "audit", "verify"); !regexp.MustCompile(`^OK: [2-9]\d records`).MatchString(out) {
		t.Fatalf("audit verify: %s", out)
	}
}
