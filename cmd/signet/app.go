package main

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app holds what every command shares: the streams, the global flags and
// the credentials once resolved.
type app struct {
	stdout, stderr io.Writer
	stdin          *os.File
	getenv         func(string) string

	configPath string // --config
	host       string // --host
	caFile     string // --ca-file
	certFile   string // --client-cert-file
	format     string // -o
	timeout    time.Duration

	sources map[string]string // credential field -> where it came from
}

func newApp() *app {
	return &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv, sources: map[string]string{}}
}

func (a *app) globalFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/signet/config.yaml)")
	f.StringVar(&a.host, "host", "", "server URL, e.g. https://signet.example.com (overrides SIGNET_HOST)")
	f.StringVar(&a.caFile, "ca-file", "", "PEM bundle to trust for the server (overrides SIGNET_CA_FILE)")
	f.StringVar(&a.certFile, "client-cert-file", "", "PKCS#12 client certificate (overrides SIGNET_CLIENT_CERT_FILE)")
	f.StringVarP(&a.format, "output-format", "o", "", "result format: table, json or yaml (default table)")
	f.DurationVar(&a.timeout, "timeout", time.Minute, "time limit of each request to the server")
	_ = root.RegisterFlagCompletionFunc("output-format", cobra.FixedCompletions([]string{"table", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
}

// checkGlobal validates the global flags before any command runs.
func (a *app) checkGlobal() error {
	if a.timeout <= 0 {
		return fail(exitUsage, "give --timeout a positive duration, e.g. --timeout 2m", "--timeout %s is not a time limit", a.timeout)
	}
	if a.format == "" {
		if c, _, err := a.loadConfig(); err == nil && c.Output != "" {
			a.format = c.Output
		} else {
			a.format = "table"
		}
	}
	switch a.format {
	case "table", "json", "yaml":
		return nil
	}
	return fail(exitUsage, "use -o table, -o json or -o yaml", "unknown output format %q", a.format)
}

// client resolves the credentials and returns a client. It fails with
// exit code 3 when the host or the API key is missing.
func (a *app) client() (*client.Client, client.Config, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, cfg, err
	}
	c, err := client.New(cfg, client.WithTimeout(a.timeout))
	return c, cfg, err
}

// config resolves the credentials and checks that a client can be made of
// them: a host, an API key, a valid URL.
func (a *app) config() (client.Config, error) {
	cfg, err := a.resolve()
	if err != nil {
		return cfg, err
	}
	if cfg.Host == "" {
		return cfg, fail(exitCredentials, "export SIGNET_HOST=https://signet.example.com, or run \"signet credentials save --host URL\"",
			"no server: SIGNET_HOST is not set")
	}
	if cfg.APIKey == "" {
		return cfg, fail(exitCredentials, "export SIGNET_API_KEY=..., or run \"signet credentials save\"",
			"no API key: SIGNET_API_KEY is not set")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fail(exitCredentials, "set SIGNET_HOST"+a.from("host")+" to the https URL of the server", "%v", err)
	}
	return cfg, nil
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// stderrTerminal reports whether stderr is a terminal.
func (a *app) stderrTerminal() bool {
	f, ok := a.stderr.(*os.File)
	return ok && isTerminal(f)
}

// mask hides an API key: the public prefix Signet shows in its logs
// (sgn_ and 8 characters), then asterisks.
func mask(key string) string {
	if key == "" {
		return ""
	}
	n := 0
	if strings.HasPrefix(key, "sgn_") && len(key) > 20 {
		n = len("sgn_") + 8
	}
	return key[:n] + strings.Repeat("*", 8)
}
