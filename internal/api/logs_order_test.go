package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/siglog"
)

// TestSignatureLogPagingInCommitOrder: a consumer that follows the
// signature log with the "next" cursor sees every record, also one whose id
// was made before a record committed ahead of it (ids are made before
// signing, time-stamping and the group commit; records are committed in
// another order), on each store.
func TestSignatureLogPagingInCommitOrder(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		ctx := context.Background()
		earlier := uuid.Must(uuid.NewV7()).String() // a slow request's record
		time.Sleep(2 * time.Millisecond)
		later := uuid.Must(uuid.NewV7()).String()
		write := func(id string) {
			rec := &siglog.Record{ID: id, Time: time.Now().UTC().Truncate(time.Microsecond), Status: siglog.StatusDenied,
				ErrorCode: "test", KeypairAlias: "k"}
			if err := env.Store.WriteBatch(ctx, []journal.Entry{{Signature: rec}}); err != nil {
				t.Fatal(err)
			}
		}
		type page struct {
			Records []struct {
				ID string `json:"id"`
			} `json:"records"`
			Next string `json:"next"`
		}
		write(later)
		var p page
		env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?limit=1", nil, 200).JSON(t, &p)
		if len(p.Records) != 1 || p.Records[0].ID != later || p.Next == "" {
			t.Fatalf("first page: %+v", p)
		}
		write(earlier) // committed after the consumer read up to `later`
		cursor := p.Next
		p = page{}
		env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?limit=1&after="+cursor, nil, 200).JSON(t, &p)
		if len(p.Records) != 1 || p.Records[0].ID != earlier {
			t.Fatalf("page after %s: %+v, want the record committed since (%s)", cursor, p.Records, earlier)
		}
		// The older cursor, a record's id, in any form uuid takes; an id
		// naming no record is refused, not read as the end of the log.
		p = page{}
		env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?limit=1&after="+strings.ToUpper(later), nil, 200).JSON(t, &p)
		if len(p.Records) != 1 || p.Records[0].ID != earlier {
			t.Fatalf("page after id %s: %+v, want %s", later, p.Records, earlier)
		}
		for _, path := range []string{"/api/v1/logs/signatures?after=", "/api/v1/logs/signatures?format=csv&after="} {
			r := env.Do(t, env.Lead, "GET", path+uuid.Must(uuid.NewV7()).String(), nil)
			if r.Status != 400 || r.Code() != "invalid_after" {
				t.Errorf("%s<unknown id>: %s, want 400 invalid_after", path, r)
			}
		}
	})
}
