package signing_test

import (
	"testing"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/signing"
	"github.com/signet-project/signet/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// stores opens a fresh store of each kind.
var stores = servertest.OpenStores()

// TestRefusalRecordsAreClean: a request refused for what it says of itself
// (a keypair ref, a tool or a file name with a NUL or another control
// character) is refused with a 400 naming it and recorded, with that text
// cleaned, on each store: the record never fails its group commit.
func TestRefusalRecordsAreClean(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			j := journal.New(st)
			t.Cleanup(j.Close)
			g := &guard.Guard{Journal: j, Now: time.Now}
			s := &signing.Service{Keypairs: &keypair.Service{Store: st, Backends: map[string]keys.KeyManager{}, Guard: g},
				Journal: j, Guard: g}
			p := policy.Principal{UserID: "u-lead", Name: "lead", Roles: []string{policy.RoleLead}, SecondFactor: true}
			digest := make([]byte, 32)
			for _, c := range []struct {
				name string
				req  signing.Request
				code string
				want siglog.Record // the fields checked
			}{
				{"ref", signing.Request{Keypair: "a\x00b\x1b", SigAlg: "SHA256withECDSA", Items: []signing.Item{{Input: digest}}},
					"invalid_ref", siglog.Record{KeypairAlias: "ab"}},
				{"tool", signing.Request{Keypair: "k", SigAlg: "SHA256withECDSA", Tool: "osslsigncode\x00", Items: []signing.Item{{Input: digest}}},
					"invalid_tool", siglog.Record{KeypairAlias: "k", Tool: "osslsigncode"}},
				{"file name", signing.Request{Keypair: "k", SigAlg: "SHA256withECDSA", Items: []signing.Item{{Input: digest, FileName: "a\x00.exe"}}},
					"invalid_file_name", siglog.Record{KeypairAlias: "k", FileName: "a.exe"}},
			} {
				_, _, err := s.Sign(ctx, p, c.req)
				if e := errs.As(err); e.Status != 400 || e.Code != c.code {
					t.Fatalf("%s: got %v (%d %s), want 400 %s", c.name, err, e.Status, e.Code, c.code)
				}
				recs, err := st.ListSignatures(ctx, siglog.Filter{Limit: 10})
				if err != nil || len(recs) == 0 {
					t.Fatalf("%s: no record of the refusal: %v", c.name, err)
				}
				got := recs[len(recs)-1]
				if got.ErrorCode != c.code || got.KeypairAlias != c.want.KeypairAlias || got.Tool != c.want.Tool || got.FileName != c.want.FileName {
					t.Fatalf("%s: recorded %q %q %q (%s), want %q %q %q", c.name, got.KeypairAlias, got.Tool, got.FileName, got.ErrorCode,
						c.want.KeypairAlias, c.want.Tool, c.want.FileName)
				}
			}
		})
	}
}
