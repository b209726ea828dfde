package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

// check is one line of the healthcheck.
type check struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
	code    int
}

type health struct {
	Credentials  []credView      `json:"credentials"`
	TLS          *client.TLSInfo `json:"tls,omitempty"`
	User         *client.User    `json:"user,omitempty"`
	SecondFactor bool            `json:"second_factor"`
	Can          map[string]bool `json:"can"`
	Checks       []check         `json:"checks"`
	OK           bool            `json:"ok"`
}

type credView struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Source string `json:"source,omitempty"`
}

// abilities maps what healthcheck reports to the permissions it needs.
var abilities = []struct{ name, perm string }{
	{"sign", "sign"}, {"generate keypairs", "keypair.generate"}, {"manage keypairs", "keypair.manage"},
	{"approve releases", "release.approve"}, {"view audit log", "audit.view"}, {"export audit log", "audit.export"},
	{"manage users", "user.manage"},
}

func healthcheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "healthcheck",
		Short: "Check credentials, TLS and permissions; say how to fix what is wrong",
		Long: `Check the setup end to end: where each credential comes from, the client
certificate, the TLS connection to the server, the API key, the second
factor, and what the user may do. Exits non-zero when something is wrong,
with the exit code of the first problem (3 credentials, 8 TLS or network).`,
		Example: "  . signet-dev/credentials.env && signet healthcheck\n  signet healthcheck -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := a.healthcheck(cmd)
			err := a.show(h, func(w io.Writer) { h.table(w) })
			if err != nil || h.OK {
				return err
			}
			for _, c := range h.Checks {
				if !c.OK {
					return &cliError{code: c.code, msg: c.Name + ": " + c.Message, fix: c.Fix}
				}
			}
			return nil
		},
	}
}

func (a *app) healthcheck(cmd *cobra.Command) *health {
	h := &health{Can: map[string]bool{}, OK: true}
	add := func(name string, ok bool, code int, fix, format string, args ...any) bool {
		c := check{Name: name, OK: ok, Message: fmt.Sprintf(format, args...), code: code}
		if !ok {
			c.Fix, h.OK = fix, false
		}
		h.Checks = append(h.Checks, c)
		return ok
	}
	cfg, err := a.resolve()
	if err != nil {
		code, msg, fix := a.explain(err)
		add("credentials", false, code, fix, "%s", msg)
		return h
	}
	for _, f := range fields {
		v := *f.get(&cfg)
		switch {
		case f.name == "api_key":
			v = mask(v)
		case f.name == "client_cert_password" && v != "":
			v = "set"
		case f.name == "ca_file" && v == "":
			v = "system roots"
		}
		h.Credentials = append(h.Credentials, credView{f.name, v, a.sources[f.name]})
	}
	if !add("host", cfg.Host != "", exitCredentials, "export SIGNET_HOST=https://signet.example.com, or run \"signet credentials save --host URL\"",
		"%s", or(cfg.Host, "not set")) {
		return h
	}
	if err := cfg.Validate(); err != nil {
		add("host", false, exitCredentials, "set SIGNET_HOST"+a.from("host")+" to the https URL of the server", "%v", err)
		return h
	}
	add("api key", cfg.APIKey != "", exitCredentials, "export SIGNET_API_KEY=..., or run \"signet credentials save\"",
		"%s", or(mask(cfg.APIKey), "not set"))
	if cfg.ClientCertFile == "" {
		add("client certificate", false, exitCredentials,
			"set SIGNET_CLIENT_CERT_FILE and SIGNET_CLIENT_CERT_PASSWORD to the PKCS#12 file a Lead issued you",
			"not set: signing and generating keypairs need it")
	} else if c, err := client.LoadClientCert(cfg.ClientCertFile, cfg.ClientCertPassword); err != nil {
		code, msg, fix := a.explain(err)
		add("client certificate", false, code, fix, "%s", msg)
		return h
	} else {
		left := time.Until(c.Leaf.NotAfter)
		add("client certificate", left > 0, exitCredentials, "ask a Lead to issue a new client certificate",
			"%s, expires %s", c.Leaf.Subject.CommonName, c.Leaf.NotAfter.UTC().Format(time.DateOnly))
	}
	info, err := client.ProbeTLS(cmd.Context(), cfg)
	if err != nil {
		code, msg, fix := a.explain(err)
		add("tls", false, code, fix, "%s", msg)
		return h
	}
	h.TLS = &info
	add("tls", true, 0, "", "%s, server certificate %q issued by %q", info.Version, info.ServerSubject, info.ServerIssuer)
	if cfg.APIKey == "" {
		return h
	}
	c, err := client.New(cfg, client.WithTimeout(a.timeout))
	if err != nil {
		code, msg, fix := a.explain(err)
		add("api", false, code, fix, "%s", msg)
		return h
	}
	me, err := c.Me(cmd.Context())
	if err != nil {
		code, msg, fix := a.explain(err)
		add("api key", false, code, fix, "%s", msg)
		return h
	}
	h.User, h.SecondFactor = &me.User, me.SecondFactor
	add("user", true, 0, "", "%s (roles %v)", me.User.Name, me.User.Roles)
	if cfg.ClientCertFile != "" {
		add("second factor", me.SecondFactor, exitCredentials, "use the client certificate issued to this user",
			"client certificate %s", map[bool]string{true: "accepted", false: "not accepted"}[me.SecondFactor])
	}
	for _, ab := range abilities {
		h.Can[ab.name] = slices.Contains(me.Permissions, ab.perm)
	}
	h.Can["sign"] = h.Can["sign"] && me.SecondFactor
	return h
}

func (h *health) table(w io.Writer) {
	for _, c := range h.Credentials {
		v := or(c.Value, "not set")
		if c.Source != "" {
			v += "  (" + c.Source + ")"
		}
		pairs(w, c.Field, v)
	}
	fmt.Fprintln(w)
	for _, c := range h.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", mark, c.Name, c.Message)
	}
	if len(h.Can) > 0 {
		fmt.Fprintln(w)
		for _, ab := range abilities {
			fmt.Fprintf(w, "can %s:\t%s\n", ab.name, map[bool]string{true: "yes", false: "no"}[h.Can[ab.name]])
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
