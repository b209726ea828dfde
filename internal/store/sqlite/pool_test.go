package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// BenchmarkPoolShape compares the shape Open uses (one writer connection and
// a pool of query-only readers) with one shared pool of read-write
// connections, under a mixed load: per write (a batch of 4 entries) three
// reads (a token lookup, as every request does, and a short audit listing).
// It reports throughput and the 99th percentile write latency.
func BenchmarkPoolShape(b *testing.B) {
	shapes := map[string]func(path string) (*sqlstore.DB, error){
		"writer+readers": func(path string) (*sqlstore.DB, error) { return Open(context.Background(), path) },
		"shared-pool": func(path string) (*sqlstore.DB, error) {
			if _, err := Open(context.Background(), path); err != nil { // create and migrate
				return nil, err
			}
			db, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", "_pragma=journal_mode(WAL)",
				"_pragma=synchronous(FULL)", "_pragma=foreign_keys(1)"))
			if err != nil {
				return nil, err
			}
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
			return sqlstore.New(context.Background(), db, db, Dialect())
		},
	}
	for _, name := range []string{"writer+readers", "shared-pool"} {
		b.Run(name, func(b *testing.B) {
			db, err := shapes[name](filepath.Join(b.TempDir(), "signet.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if err := db.CreateUser(ctx, &auth.User{ID: "u", Name: "u"}, nil); err != nil {
				b.Fatal(err)
			}
			h := sha256.Sum256([]byte("secret"))
			if err := db.CreateToken(ctx, &auth.Token{ID: "t", UserID: "u", Hash: h[:]}, nil); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			var mu sync.Mutex
			var writes []time.Duration
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var err error
					switch i := n.Add(1); i % 4 {
					case 0:
						batch := make([]journal.Entry, 4)
						for j := range batch {
							batch[j] = journal.Entry{Events: []*audit.Event{{Action: "Sign", ResourceID: fmt.Sprint(i)}}}
						}
						start := time.Now()
						err = db.WriteBatch(ctx, batch)
						mu.Lock()
						writes = append(writes, time.Since(start))
						mu.Unlock()
					case 1, 2:
						_, err = db.TokenByHash(ctx, h[:])
					default:
						_, err = db.ListAudit(ctx, audit.Filter{Limit: 20})
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "ops/s")
			if len(writes) == 0 {
				return
			}
			slices.Sort(writes)
			b.ReportMetric(float64(writes[len(writes)*99/100].Microseconds())/1000, "p99-write-ms")
		})
	}
}
