package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func logsExportCmd(a *app) *cobra.Command {
	var f logFlags
	var format, out string
	cmd := &cobra.Command{
		Use:   "export --type signature|audit --format csv|json [--out FILE]",
		Short: "Export a whole log as CSV or JSON, streamed (needs audit.export)",
		Long: `Stream every matching record of the signature log or the audit log as CSV or
as one JSON array, to a file or to stdout. Nothing is held in memory, so
exports of any size work.`,
		Example: `  signet logs export --type audit --format csv --out audit.csv
  signet logs export --type signature --keypair release-ec --format json > sigs.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "json" {
				return usageErr(cmd, "--format must be csv or json, got %q", format)
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			kind, lf, err := f.filter(cmd.Context(), cmd, c)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := c.ExportLog(cmd.Context(), kind, format, lf, a.stdout)
				return err
			}
			tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			n, err := c.ExportLog(cmd.Context(), kind, format, lf, tmp)
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return err
			}
			a.note("Wrote %s (%s).", out, size(n))
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", "csv", "csv or json")
	cmd.Flags().StringVar(&out, "out", "", "file to write (default: stdout)")
	return cmd
}
