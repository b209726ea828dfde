package main

// The rules of signet's output, which every command follows:
//
//   - stdout carries the result and nothing else: a table (-o table, the
//     default), JSON (-o json) or YAML (-o yaml), or signature bytes when
//     an output file is "-". Scripts may parse it.
//   - stderr carries everything meant for people: notes ("saved to ..."),
//     warnings, progress bars, and errors.
//   - An error is exactly two lines on stderr:
//     signet: REASON
//     fix: WHAT TO DO
//   - A progress bar is drawn only when stderr is a terminal, the input is
//     large, and --quiet is not given.
//   - Secrets are never printed: an API key shows as its public prefix
//     followed by asterisks, a password as "set" or "not set".
//
// Exit codes, which scripts may rely on:
//
//	0  success
//	1  any other error: server error, I/O error, bad answer
//	2  usage: a bad flag or argument, or a value the server refused (HTTP 400)
//	3  credentials: missing, invalid, expired or revoked API key; client
//	   certificate missing, unreadable, refused or required (HTTP 401)
//	4  not found (HTTP 404): no such keypair, file or directory
//	5  permission denied (HTTP 403): a role, keypair access or state refuses
//	6  conflict with the resource's state (HTTP 409): alias taken, keypair destroyed
//	7  verification failed: the signature does not match (signet verify)
//	8  cannot reach the server, or its TLS certificate does not verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

// Exit codes; see the comment above.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitCredentials = 3
	exitNotFound    = 4
	exitDenied      = 5
	exitConflict    = 6
	exitVerify      = 7
	exitUnreachable = 8
)

// cliError is an error with its exit code and the fix to print.
type cliError struct {
	code int
	msg  string
	fix  string
	err  error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// fail returns a *cliError.
func fail(code int, fix, format string, args ...any) error {
	return &cliError{code: code, fix: fix, msg: fmt.Sprintf(format, args...)}
}

// usageErr reports a bad flag or argument of cmd.
func usageErr(cmd *cobra.Command, format string, args ...any) error {
	return &cliError{code: exitUsage, msg: fmt.Sprintf(format, args...),
		fix: "run \"" + cmd.CommandPath() + " --help\" for usage and examples"}
}

// report prints err (if any) as the two lines of the rules and returns
// the exit code.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	code, msg, fix := a.explain(err)
	fmt.Fprintf(a.stderr, "signet: %s\n", oneLine(msg))
	if fix != "" {
		fmt.Fprintf(a.stderr, "fix: %s\n", oneLine(fix))
	}
	return code
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "signet: ", "")), " ")
}

// explain finds the exit code, reason and fix of any error.
func (a *app) explain(err error) (int, string, string) {
	var ce *cliError
	var ae *client.APIError
	var ve *tls.CertificateVerificationError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce):
		return ce.code, ce.msg, ce.fix
	case errors.As(err, &ae):
		return a.explainAPI(ae)
	case errors.Is(err, client.ErrClientCertPassword):
		return exitCredentials, err.Error(), "set SIGNET_CLIENT_CERT_PASSWORD to the password given with the PKCS#12 file" + a.from("client_cert_password")
	case errors.Is(err, client.ErrClientCertFormat):
		return exitCredentials, err.Error(), "point SIGNET_CLIENT_CERT_FILE at the .p12 file Signet issued" + a.from("client_cert_file")
	case errors.As(err, &ve):
		return exitUnreachable, "the server's TLS certificate does not verify: " + ve.Err.Error(), tlsFix(ve.Err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return exitUnreachable, "the server did not answer in time: " + err.Error(), "check SIGNET_HOST" + a.from("host") + " and that signetd is running; retry"
	case errors.As(err, &oe):
		return exitUnreachable, "cannot reach the server: " + err.Error(), "check SIGNET_HOST" + a.from("host") + " and that signetd is running"
	case errors.Is(err, context.Canceled):
		return exitError, "interrupted", ""
	case errors.Is(err, fs.ErrNotExist):
		return exitNotFound, err.Error(), "check the path"
	case errors.Is(err, fs.ErrPermission):
		return exitError, err.Error(), "check the file's permissions"
	}
	return exitError, err.Error(), "run the command again with --help, or signet healthcheck to check the setup"
}

// from says where a credential came from, for a fix line.
func (a *app) from(field string) string {
	if src := a.sources[field]; src != "" {
		return " (now from " + src + ")"
	}
	return ""
}

func tlsFix(err error) string {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return "set SIGNET_CA_FILE to the PEM bundle of the CA that issued the server certificate (signetd dev: DATA_DIR/tls/ca.crt)"
	case errors.As(err, &he):
		return "use a host name that the server certificate names in SIGNET_HOST, e.g. https://localhost:PORT for signetd dev"
	case errors.As(err, &ci):
		return "the server certificate is expired or not valid for TLS: renew it on the server"
	}
	return "check SIGNET_CA_FILE and the server certificate"
}
