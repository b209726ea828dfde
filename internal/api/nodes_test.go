package api_test

import (
	"context"
	"testing"

	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
)

// twoNodes starts two servers on one fresh PostgreSQL database, with one
// master key and one client CA, as two signetd nodes of a cluster.
func twoNodes(t *testing.T, opts ...servertest.Option) (a, b *servertest.Env) {
	t.Helper()
	dsn := pgtest.DSN(t)
	open := servertest.WithStore(func(t testing.TB) server.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
	opts = append(opts, open, servertest.WithMasterKey(servertest.NewMasterKey()), servertest.WithCA(servertest.NewCA(t)))
	return servertest.Start(t, opts...), servertest.Start(t, opts...)
}
