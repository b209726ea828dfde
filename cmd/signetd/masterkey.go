package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store"
)

func masterKeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "master-key", Short: "Create and rotate the master keys that wrap disk keys"}
	var out string
	newKey := &cobra.Command{
		Use:     "new --out FILE",
		Short:   "Write a fresh random 256-bit master key (base64) to FILE with mode 0600",
		Example: "  signetd master-key new --out /etc/signet/master-2026.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out FILE is required")
			}
			var k [32]byte
			if _, err := rand.Read(k[:]); err != nil {
				return err
			}
			if err := pki.WriteFileAtomic(out, []byte(base64.StdEncoding.EncodeToString(k[:])+"\n"), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s; add it to keys.disk.master_keys and make it keys.disk.current\n", out)
			return nil
		},
	}
	newKey.Flags().StringVarP(&out, "out", "o", "", "file to write")

	var cfgPath string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Re-wrap every disk key's data key under keys.disk.current",
		Long: `Re-wrap the data key of every disk keypair under the current master key
(keys.disk.current). Key material is not touched: only the small wrapped
data key changes. Once it reports 0 keys left under old master keys, the old
ones can be removed from the configuration. Safe to run while servers run.`,
		Example: "  signetd master-key rotate -c /etc/signet/signetd.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			if c.Keys.Disk == nil {
				return fmt.Errorf("no disk backend configured: nothing to rotate")
			}
			mk, err := masterKeys(c.Keys.Disk)
			if err != nil {
				return err
			}
			km, err := keys.New(cmd.Context(), "disk", keys.Options{MasterKeys: mk, CurrentKEK: c.Keys.Disk.Current})
			if err != nil {
				return err
			}
			defer km.Close()
			rw, ok := km.(keys.Rewrapper)
			if !ok {
				return fmt.Errorf("the disk backend cannot re-wrap")
			}
			return withStore(cmd.Context(), cfgPath, func(st server.Store) error {
				n, err := rewrapAll(cmd.Context(), st, rw, c.Keys.Disk.Current)
				fmt.Fprintf(cmd.OutOrStdout(), "re-wrapped %d keys under %s\n", n, c.Keys.Disk.Current)
				return err
			})
		},
	}
	configFlag(rotate, &cfgPath)
	cmd.AddCommand(newKey, rotate)
	return cmd
}

// rewrapStore is what re-wrapping needs of the store.
type rewrapStore interface {
	ListKeypairs(ctx context.Context, f keypair.Filter) ([]*keypair.Keypair, error)
	GetKeypair(ctx context.Context, idOrAlias string) (*keypair.Keypair, error)
	SetKeyHandle(ctx context.Context, id string, generation int, old, h keys.Handle) error
}

// rewrapTries bounds how often one keypair is read and re-wrapped again
// because a server changed it in between.
const rewrapTries = 10

func rewrapAll(ctx context.Context, st rewrapStore, rw keys.Rewrapper, current string) (int, error) {
	n, after := 0, ""
	for {
		kps, err := st.ListKeypairs(ctx, keypair.Filter{Storage: keypair.StorageDisk, After: after, Limit: 500})
		if err != nil {
			return n, err
		}
		for _, kp := range kps {
			done, err := rewrap(ctx, st, rw, current, kp)
			if err != nil {
				return n, fmt.Errorf("keypair %s: %w", kp.Alias, err)
			}
			if done {
				n++
			}
		}
		if len(kps) < 500 {
			return n, nil
		}
		after = kps[len(kps)-1].ID
	}
}

// rewrap re-wraps kp's data key under current, unless it is destroyed or
// already there. The handle is written only if the keypair still has the
// generation and handle that were re-wrapped: a server may rotate a dynamic
// key (or delete it) meanwhile, and writing the old generation's key over
// the new one would lose the new private key. On that conflict the keypair
// is read again and re-wrapped anew.
func rewrap(ctx context.Context, st rewrapStore, rw keys.Rewrapper, current string, kp *keypair.Keypair) (bool, error) {
	for try := 1; ; try++ {
		if kp.State == keypair.StateDestroyed || kp.Handle.KEK == current {
			return false, nil
		}
		h, err := rw.Rewrap(ctx, keys.Spec{ID: kp.ID, Label: kp.Alias, Algorithm: kp.Algorithm}, kp.Handle)
		if err != nil {
			return false, err
		}
		err = st.SetKeyHandle(ctx, kp.ID, kp.Generation, kp.Handle, h)
		if !errors.Is(err, store.ErrConflict) {
			return err == nil, err
		}
		if try == rewrapTries {
			return false, fmt.Errorf("changed by a server %d times while being re-wrapped; run the rotation again: %w", try, err)
		}
		if kp, err = st.GetKeypair(ctx, kp.ID); err != nil {
			return false, err
		}
	}
}
