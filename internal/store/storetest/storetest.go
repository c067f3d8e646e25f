// Package storetest is the conformance suite every store.Store backend must pass.
// Each backend's tests call Run with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// Opener returns a new, empty, migrated store; the test cleans it up.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against stores from open.
func Run(t *testing.T, open Opener) {
	st := open(t)
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Companies", testCompanies},
		{"UsersAndMemberships", testUsersAndMemberships},
		{"UpsertPeople", testUpsertPeople},
		{"InvalidBatchWritesNothing", testInvalidBatchWritesNothing},
		{"References", testReferences},
		{"UniqueEmailAndPhone", testUniqueEmailAndPhone},
		{"UniqueValueMovesWithinBatch", testUniqueValueMoves},
		{"OptimisticConcurrency", testOptimisticConcurrency},
		{"DeactivationEndsAssignments", testDeactivationEndsAssignments},
		{"DeleteAndInUse", testDeleteAndInUse},
		{"ProjectDefaults", testProjectDefaults},
		{"HistoryIsComplete", testHistoryIsComplete},
		{"RollbackWritesNothing", testRollback},
		{"ListFilters", testListFilters},
		{"ListRaw", testListRaw},
		{"UpsertAfterLookup", testUpsertAfterLookup},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"CompaniesAreIsolated", testIsolation},
		{"FeedMissesNothing", testFeedMissesNothing},
		{"ViewSeesOneSnapshot", testViewSeesOneSnapshot},
		{"DefaultShare", testDefaultShare},
		{"CustomShares", testCustomShares},
		{"SharedTables", testSharedTables},
		{"ShareTokens", testShareTokens},
		{"RecipientAccess", testRecipientAccess},
		{"SharingAccessLog", testSharingAccessLog},
		{"ImportRuns", testImportRuns},
		{"SFTPAccounts", testSFTPAccounts},
		{"QCConnections", testQCConnections},
		{"QCRuns", testQCRuns},
		{"Locks", testLocks},
		{"APIClients", testAPIClients},
		{"APIClientsInvalid", testAPIClientsInvalid},
		{"APITokens", testAPITokens},
		{"APITokensInvalid", testAPITokensInvalid},
		{"APITokenTouch", testAPITokenTouch},
		{"APITokenGrant", testAPITokenGrant},
		{"DeleteExpiredAPITokens", testDeleteExpiredAPITokens},
		{"SandboxSettings", testSandboxSettings},
		{"ResetCompanyData", testResetCompanyData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, st) })
	}
}

var seq int

// newCompany creates a company with a unique slug, two groups, job titles and tags.
func newCompany(t *testing.T, st store.Store) planning.Company {
	t.Helper()
	ctx := context.Background()
	seq++
	slug := fmt.Sprintf("co-%d-%d", time.Now().UnixNano()%1e6, seq)
	c, err := st.CreateCompany(ctx, planning.Company{Slug: slug, Name: "Company " + slug, Timezone: "America/Chicago"}, store.Console("test"))
	if err != nil {
		t.Fatalf("create company: %v", err)
	}
	must(t, st.Update(ctx, c.ID, store.Console("test"), func(tx store.Tx) error {
		if _, err := tx.Groups().Upsert(ctx, []planning.Group{
			{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"},
			{Name: "Colorado", Code: "CO", Timezone: "America/Denver"},
		}); err != nil {
			return err
		}
		if _, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{
			{Name: "Apprentice", Code: "APP", Global: true},
			{Name: "Foreman", Code: "FOR", GroupCodes: []string{"KS"}},
		}); err != nil {
			return err
		}
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{{Name: "OSHA 30", Code: "OSHA30", Global: true}})
		return err
	}))
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func person(n int) planning.Person {
	return planning.Person{
		FirstName: "Pat", LastName: fmt.Sprintf("Worker%d", n), EmployeeID: fmt.Sprintf("E%05d", n),
		GroupCodes: []string{"KS"}, JobTitle: "APP", IsAssignable: true,
		Email: fmt.Sprintf("pat%d@example.com", n), MobilePhone: fmt.Sprintf("+1312555%04d", n),
		HourlyWage: planning.DecimalPtr("31.50"), HiredDate: planning.MustParseDate("2020-03-01"),
		Tags: []planning.PersonTag{{Code: "OSHA30", Expires: planning.MustParseDate("2027-01-31")}},
	}
}

func project(n int) planning.Project {
	return planning.Project{
		Name: fmt.Sprintf("Project %d", n), ProjectNumber: fmt.Sprintf("P-%03d", n), GroupCodes: []string{"CO", "KS"},
		StartDate: planning.MustParseDate("2026-01-05"), Categories: []planning.Category{{Name: "Level 1", Subcategories: []string{"East"}}},
	}
}

// update runs fn in a write transaction and fails the test on error.
func update(t *testing.T, st store.Store, c planning.Company, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	must(t, st.Update(ctx, c.ID, store.Console("test"), func(tx store.Tx) error { return fn(ctx, tx) }))
}

func changes(t *testing.T, st store.Store, c planning.Company, after int64) []store.Change {
	t.Helper()
	var out []store.Change
	for ch, err := range st.Changes(context.Background(), c.ID, after, 0) {
		must(t, err)
		out = append(out, ch)
	}
	return out
}

func lastSeq(t *testing.T, st store.Store, c planning.Company) int64 {
	t.Helper()
	all := changes(t, st, c, 0)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

func countPeople(t *testing.T, st store.Store, c planning.Company) int {
	t.Helper()
	var n int
	must(t, st.View(context.Background(), c.ID, func(tx store.Tx) error {
		var err error
		n, err = tx.People().Count(context.Background(), store.Query{})
		return err
	}))
	return n
}

func invalidFields(t *testing.T, err error) map[string]string {
	t.Helper()
	var inv *planning.InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want *planning.InvalidError, got %T: %v", err, err)
	}
	out := map[string]string{}
	for _, r := range inv.Records {
		for _, fe := range r.Errors {
			out[fmt.Sprintf("%d:%s", r.Index, fe.Field)] = fe.Message
		}
	}
	return out
}
