package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// TestImportsMigration: schema 3 adds the import log and the SFTP accounts to a
// database at schema 2, and can be undone and done again.
func TestImportsMigration(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url, WithoutMigrate())
			p, err := s.d.provider(s.w)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 2); err != nil {
				t.Fatal(err)
			}
			c, err := s.CreateCompany(ctx, planning.Company{Slug: "acme", Name: "Acme", Timezone: "UTC"}, store.Console("test"))
			if err != nil {
				t.Fatal(err)
			}
			if from, to, err := s.Migrate(ctx); err != nil || from != 2 || to < 3 {
				t.Fatalf("migrate: %d -> %d, %v", from, to, err)
			}
			if _, err := s.RecordImport(ctx, store.ImportRun{CompanyID: c.ID, Source: planning.SourceImport, Status: store.ImportApplied}); err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 2); err != nil {
				t.Fatalf("down: %v", err)
			}
			if _, err := s.Imports(ctx, c.ID, 0); err == nil {
				t.Fatal("import_runs is still there after going down to schema 2")
			}
			if _, _, err := s.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if runs, err := s.Imports(ctx, c.ID, 0); err != nil || len(runs) != 0 {
				t.Fatalf("runs after up again: %v, %v", runs, err)
			}
		})
	}
}

// TestImportsGoWithTheirCompany: deleting a company (which the store does not do
// yet; here by hand) deletes its import runs, their files and its SFTP accounts.
func TestImportsGoWithTheirCompany(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url)
			by := store.Console("test")
			var ids []string
			for _, slug := range []string{"gone", "kept"} {
				c, err := s.CreateCompany(ctx, planning.Company{Slug: slug, Name: strings.ToUpper(slug), Timezone: "UTC"}, by)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, c.ID)
				if _, err := s.RecordImport(ctx, store.ImportRun{CompanyID: c.ID, Source: planning.SourceSFTP, Status: store.ImportApplied,
					Files: []store.ImportFile{{Name: "people.csv", Size: 3, SHA256: strings.Repeat("ab", 32)}}}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.CreateSFTPAccount(ctx, store.SFTPAccount{CompanyID: c.ID, Username: "drop-" + slug, PasswordHash: "x"}, by); err != nil {
					t.Fatal(err)
				}
			}
			// The change history does not cascade; it goes first.
			for _, stmt := range []string{"DELETE FROM change_history WHERE company_id = ", "DELETE FROM companies WHERE id = "} {
				b := s.d.build().sql(stmt).arg(ids[0])
				if _, err := s.w.ExecContext(ctx, b.String(), b.args...); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			count := func(table string) int {
				t.Helper()
				var n int
				if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			for _, table := range []string{"import_runs", "import_run_files", "sftp_accounts"} {
				if n := count(table); n != 1 {
					t.Errorf("%s holds %d rows after the company was deleted, want the other company's 1", table, n)
				}
			}
			if _, err := s.SFTPAccount(ctx, "drop-kept"); err != nil {
				t.Errorf("the other company's account: %v", err)
			}
		})
	}
}
