package api_test

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

func TestLogsExportAndFilters(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		testLogsExportAndFilters(t, env)
	})
}

func testLogsExportAndFilters(t *testing.T, env *servertest.Env) {
	lead := env.Lead
	kp := generate(t, env, lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
	generate(t, env, lead, map[string]any{"alias": "other", "algorithm": "ecdsa"})
	sign := func(alias string, n int) {
		var items []map[string]any
		for i := range n {
			d := sha256.Sum256([]byte(fmt.Sprint(alias, i)))
			items = append(items, map[string]any{"hash": d[:], "file_name": fmt.Sprintf("=f%d.exe", i)})
		}
		env.MustDo(t, lead, "POST", "/api/v1/keypairs/"+alias+"/sign-batch", map[string]any{"sig_alg": "SHA256withECDSA", "tool": "test", "items": items}, 200)
	}
	sign("ec", 1000)
	sign("ec", 200)
	sign("other", 3)

	// A page, filtered by keypair, and the cursor to the next one.
	var page struct {
		Records []struct {
			KeypairID string `json:"keypair_id"`
		}
		Next string
	}
	env.MustDo(t, lead, "GET", "/api/v1/logs/signatures?keypair="+kp.ID+"&limit=500", nil, 200).JSON(t, &page)
	if len(page.Records) != 500 || page.Next == "" {
		t.Fatalf("first page: %d records, next %q", len(page.Records), page.Next)
	}
	for _, r := range page.Records {
		if r.KeypairID != kp.ID {
			t.Fatalf("filter by keypair returned %s", r.KeypairID)
		}
	}

	// The CSV export streams all 1200 matching records past the store's page size.
	r := env.MustDo(t, lead, "GET", "/api/v1/logs/signatures?format=csv&keypair="+kp.ID, nil, 200)
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1201 {
		t.Fatalf("CSV export has %d rows, want 1200 and a header", len(rows))
	}
	if name := rows[1][18]; !strings.HasPrefix(name, "'=") {
		t.Fatalf("file name %q not defused against formula injection", name)
	}
	var all []map[string]any
	if err := json.Unmarshal(env.MustDo(t, lead, "GET", "/api/v1/logs/signatures?format=json", nil, 200).Body, &all); err != nil || len(all) != 1203 {
		t.Fatalf("JSON export: %d records, %v", len(all), err)
	}

	// The audit log filters by action; an export needs audit.export.
	var ev struct{ Events []struct{ Action string } }
	env.MustDo(t, lead, "GET", "/api/v1/logs/audit?action=Generate", nil, 200).JSON(t, &ev)
	if len(ev.Events) != 2 {
		t.Fatalf("%d Generate events, want 2", len(ev.Events))
	}
	dev := env.NewUser(t, "dev", "developer")
	env.MustDo(t, dev, "GET", "/api/v1/logs/audit", nil, 200)
	if r := env.Do(t, dev, "GET", "/api/v1/logs/audit?format=csv", nil); r.Status != 403 || r.Code() != "permission_denied" {
		t.Fatalf("developer export: %s", r)
	}
	if r := env.Do(t, lead, "GET", "/api/v1/logs/audit?format=xml", nil); r.Status != 400 || r.Code() != "invalid_format" {
		t.Fatalf("bad format: %s", r)
	}
	if r := env.Do(t, lead, "GET", "/api/v1/logs/audit?from=yesterday", nil); r.Status != 400 || r.Code() != "invalid_from" {
		t.Fatalf("bad from: %s", r)
	}
}
