package main

import (
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdMkuser: mkuser NAME ROLE[,ROLE] creates a user on the script's
// signetd with the server's admin commands (user create, token create,
// client-cert issue -c $SRV/config.yaml) and sets $NAME_KEY, $NAME_CERT
// and $NAME_PW to its API key, PKCS#12 file and password, so that
//
//	env SIGNET_API_KEY=$bob_KEY SIGNET_CLIENT_CERT_FILE=$bob_CERT SIGNET_CLIENT_CERT_PASSWORD=$bob_PW
//
// acts as that user.
func cmdMkuser(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: mkuser NAME ROLE[,ROLE]")
	}
	name, cfg := args[0], filepath.Join(ts.Getenv("SRV"), "config.yaml")
	signetd := func(a ...string) string {
		out, err := exec.Command(filepath.Join(binDir, "signetd"), append(a, "-c", cfg)...).Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			ts.Fatalf("signetd %s: %v\n%s", strings.Join(a, " "), err, msg)
		}
		return string(out)
	}
	signetd("user", "create", name, "--role", args[1])
	key := strings.TrimSpace(signetd("token", "create", name))
	p12 := ts.MkAbs(name + ".p12")
	issued := signetd("client-cert", "issue", name, "--out", p12)
	_, pw, ok := strings.Cut(issued, "password: ")
	if !ok {
		ts.Fatalf("client-cert issue printed no password: %q", issued)
	}
	ts.Setenv(name+"_KEY", key)
	ts.Setenv(name+"_CERT", p12)
	ts.Setenv(name+"_PW", strings.TrimSpace(pw))
}
