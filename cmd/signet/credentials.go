package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func credentialsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Save, show or clear the credentials signet uses",
		Long: `Credentials are resolved in this order, field by field: flags (--host,
--client-cert-file, --ca-file), the environment (SIGNET_* then SM_*), what
"signet credentials save" stored (OS keyring or a 0600 file), and the config
file. Secrets are never taken from flags: they would show in ps and in
shell history.`,
	}
	cmd.AddCommand(credentialsSaveCmd(a), credentialsShowCmd(a), credentialsClearCmd(a))
	return cmd
}

func credentialsSaveCmd(a *app) *cobra.Command {
	var store string
	cmd := &cobra.Command{
		Use:   "save",
		Short: "Save credentials in the OS keyring, or else in a 0600 file",
		Long: `Save the server URL, API key, client certificate and CA bundle for later
commands. The API key and the certificate password go to the OS keyring
when one is reachable (Secret Service on Linux), else to
$XDG_CONFIG_HOME/signet/credentials.yaml with mode 0600 (--store picks).

Each value comes from its flag, else the environment (SIGNET_*, SM_*), else
a prompt on a terminal. Without a terminal, secrets are read from standard
input: the API key on the first line, the certificate password on the
second. The certificate password is checked against the file before
anything is saved.`,
		Example: `  signet credentials save --host https://signet.example.com --client-cert-file me.p12
  . signet-dev/credentials.env && signet credentials save
  printf '%s\n%s\n' "$KEY" "$P12_PASSWORD" | signet credentials save --host URL --client-cert-file me.p12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if store != "auto" && store != "keyring" && store != "file" {
				return usageErr(cmd, "--store must be auto, keyring or file, got %q", store)
			}
			cfg, err := a.collect()
			if err != nil {
				return err
			}
			where, note, err := a.save(cfg, store)
			if err != nil {
				return err
			}
			if note != "" {
				a.note("%s", note)
			}
			a.note("Saved. Check them with: signet healthcheck")
			return a.show(map[string]string{"saved_to": where, "host": cfg.Host}, func(w io.Writer) {
				pairs(w, "Saved to", where, "Host", cfg.Host)
			})
		},
	}
	cmd.Flags().StringVar(&store, "store", "auto", "where secrets go: auto (keyring, else file), keyring or file")
	return cmd
}

// collect gathers the values to save (see credentials save --help).
func (a *app) collect() (client.Config, error) {
	var cfg client.Config
	env := func(f field) string {
		if v := a.getenv(f.env); v != "" {
			return v
		}
		if f.fallback != "" {
			return a.getenv(f.fallback)
		}
		return ""
	}
	flags := map[string]string{"host": a.host, "client_cert_file": a.certFile, "ca_file": a.caFile}
	tty := isTerminal(a.stdin)
	lines := bufio.NewReader(a.stdin)
	for _, f := range fields {
		p := f.get(&cfg)
		if *p = flags[f.name]; *p == "" {
			*p = env(f)
		}
		secret := f.name == "api_key" || f.name == "client_cert_password"
		if *p != "" || f.name == "ca_file" || (f.name == "client_cert_password" && cfg.ClientCertFile == "") {
			continue
		}
		if !tty && !secret {
			continue
		}
		v, err := a.ask(f, tty, lines)
		if err != nil {
			return cfg, err
		}
		*p = v
	}
	if cfg.Host == "" {
		return cfg, fail(exitUsage, "pass --host https://signet.example.com (or set SIGNET_HOST)", "no server URL to save")
	}
	if cfg.APIKey == "" {
		return cfg, fail(exitUsage, "set SIGNET_API_KEY, type it at the prompt, or pipe it on the first line of standard input", "no API key to save")
	}
	if !strings.Contains(cfg.Host, "://") {
		cfg.Host = "https://" + cfg.Host
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fail(exitUsage, "pass --host with the https URL of the server", "%v", err)
	}
	for _, p := range []*string{&cfg.ClientCertFile, &cfg.CAFile} {
		if *p != "" {
			*p, _ = filepath.Abs(*p)
		}
	}
	if cfg.ClientCertFile != "" {
		if _, err := client.LoadClientCert(cfg.ClientCertFile, cfg.ClientCertPassword); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// ask prompts on a terminal (without echo for secrets) or reads a line.
func (a *app) ask(f field, tty bool, lines *bufio.Reader) (string, error) {
	labels := map[string]string{"host": "Server URL", "api_key": "API key",
		"client_cert_file": "Client certificate (PKCS#12) file, empty for none", "client_cert_password": "Client certificate password"}
	if !tty {
		s, err := lines.ReadString('\n')
		if err != nil && s == "" {
			return "", nil
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	fmt.Fprintf(a.stderr, "%s: ", labels[f.name])
	if f.name == "api_key" || f.name == "client_cert_password" {
		b, err := term.ReadPassword(int(a.stdin.Fd()))
		fmt.Fprintln(a.stderr)
		return strings.TrimSpace(string(b)), err
	}
	s, _ := lines.ReadString('\n')
	return strings.TrimSpace(s), nil
}

func credentialsShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "show",
		Short:   "Show the credentials in effect and where each comes from (secrets masked)",
		Example: "  signet credentials show\n  signet credentials show -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.resolve()
			if err != nil {
				return err
			}
			type entry struct {
				Field  string `json:"field"`
				Value  string `json:"value"`
				Source string `json:"source"`
			}
			var out []entry
			for _, f := range fields {
				v := *f.get(&cfg)
				switch {
				case f.name == "api_key":
					v = mask(v)
				case f.name == "client_cert_password" && v != "":
					v = "set"
				}
				out = append(out, entry{f.name, v, a.sources[f.name]})
			}
			return a.show(out, func(w io.Writer) {
				row(w, "FIELD", "VALUE", "SOURCE")
				for _, e := range out {
					if e.Value == "" {
						e.Value, e.Source = "not set", ""
					}
					row(w, e.Field, e.Value, e.Source)
				}
			})
		},
	}
}

func credentialsClearCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "clear",
		Short:   "Remove the credentials saved by \"credentials save\"",
		Example: "  signet credentials clear",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			removed, err := a.clearSaved()
			if err != nil {
				return err
			}
			if removed {
				a.note("Removed the saved credentials.")
			} else {
				a.note("No saved credentials.")
			}
			return nil
		},
	}
}
