// Package storetest is the conformance suite every [server.Store]
// implementation passes: SQLite and PostgreSQL run the same tests.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) server.Store { ... a fresh, empty store ... })
//	}
//
// The tamper tests edit rows behind the store's back, so the store must also
// offer SQL() *sql.DB (as sqlstore.DB does).
package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store"
)

// Run runs the suite. open returns a fresh, empty store for one test and
// arranges for it to be closed when the test ends.
func Run(t *testing.T, open func(t *testing.T) server.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s server.Store)
	}{
		{"Ping", testPing},
		{"KeypairRoundTrip", testKeypairRoundTrip},
		{"KeypairConflict", testKeypairConflict},
		{"KeypairList", testKeypairList},
		{"KeypairState", testKeypairState},
		{"KeypairDestroy", testKeypairDestroy},
		{"KeyHandle", testKeyHandle},
		{"Generations", testGenerations},
		{"GenerationsDuringRotation", testGenerationsDuringRotation},
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"TokenRevokeTouch", testTokenRevokeTouch},
		{"ClientCerts", testClientCerts},
		{"Credentials", testCredentials},
		{"Grants", testGrants},
		{"DisableDelete", testDisableDelete},
		{"Logins", testLogins},
		{"LoginAttempts", testLoginAttempts},
		{"LoginAttemptsConcurrent", testLoginAttemptsConcurrent},
		{"LoginChangesEndSessions", testLoginChangesEndSessions},
		{"SettingsGroupsRoles", testSettingsGroupsRoles},
		{"SignatureRoundTrip", testSignatureRoundTrip},
		{"SignatureList", testSignatureList},
		{"SignatureSeq", testSignatureSeq},
		{"ListLimits", testListLimits},
		{"WriteBatchAtomic", testWriteBatchAtomic},
		{"WriteBatchKeypairState", testWriteBatchKeypairState},
		{"AuditRoundTrip", testAuditRoundTrip},
		{"AuditList", testAuditList},
		{"AuditWalk", testAuditWalk},
		{"ChainContinuity", testChainContinuity},
		{"FailedMutationNotAudited", testFailedMutationNotAudited},
		{"ConcurrentWriters", testConcurrentWriters},
		{"TamperEdit", testTamperEdit},
		{"TamperDelete", testTamperDelete},
		{"Authorities", testAuthorities},
		{"Certificates", testCertificates},
		{"Profiles", testProfiles},
		{"TimestampLog", testTimestampLog},
		{"ReleaseRevisions", testReleaseRevisions},
		{"ReleaseDecisions", testReleaseDecisions},
		{"ReleasePhases", testReleasePhases},
		{"ReleaseConcurrentDecisions", testReleaseConcurrentDecisions},
		{"ReleaseSettings", testReleaseSettings},
		{"ReleaseJournalReserve", testReleaseJournalReserve},
		{"ReleaseFinishedEdit", testReleaseFinishedEdit},
		{"ReleaseClaimOrder", testReleaseClaimOrder},
		{"SettingsPartial", testSettingsPartial},
		{"SettingsConcurrent", testSettingsConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// base is the suite's reference time; stores keep microseconds.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at returns base plus i seconds.
func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

func ptr[T any](v T) *T { return &v }

// same fails the test when got and want differ.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails the test unless err is target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// event returns an audit event with every field set.
func event(i int, action, resourceID string) *audit.Event {
	return &audit.Event{
		ID:           fmt.Sprintf("ev-%s-%d", action, i),
		Time:         at(i),
		ActorID:      "u-alice",
		ActorName:    "alice",
		Type:         "Keypair",
		Action:       action,
		ResourceID:   resourceID,
		ResourceName: "name-" + resourceID,
		Result:       audit.Allowed,
		Reason:       "because",
		ClientIP:     "192.0.2.1",
		Details:      map[string]string{"k": "v", "n": fmt.Sprint(i)},
	}
}

// auditCount returns how many records the log holds, checking the chain.
func auditCount(t *testing.T, s server.Store) int64 {
	t.Helper()
	rep, err := audit.Verify(t.Context(), s)
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	return rep.Records
}

// rawSQL returns the store's database handle for tamper tests.
func rawSQL(t *testing.T, s server.Store) *sql.DB {
	t.Helper()
	r, ok := s.(interface{ SQL() *sql.DB })
	if !ok {
		t.Fatalf("%T has no SQL() *sql.DB method, which the tamper tests need", s)
	}
	return r.SQL()
}

func testPing(t *testing.T, s server.Store) {
	must(t, s.Ping(t.Context()))
}

// errNotFound and errConflict are short names for the sentinels.
var (
	errNotFound = store.ErrNotFound
	errConflict = store.ErrConflict
)
