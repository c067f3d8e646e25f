package sqlstore

import (
	"context"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// TestQuickConnectMigration: schema 4 adds QuickConnect's connections and runs
// to a database at schema 3, and can be undone and done again.
func TestQuickConnectMigration(t *testing.T) {
	for backend, url := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			s := openURL(t, backend, url, WithoutMigrate())
			p, err := s.d.provider(s.w)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 3); err != nil {
				t.Fatal(err)
			}
			c, err := s.CreateCompany(ctx, planning.Company{Slug: "acme", Name: "Acme", Timezone: "UTC"}, store.Console("test"))
			if err != nil {
				t.Fatal(err)
			}
			if from, to, err := s.Migrate(ctx); err != nil || from != 3 || to < 4 {
				t.Fatalf("migrate: %d -> %d, %v", from, to, err)
			}
			conn, err := s.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: "hr", Definition: "sources: {}"}, store.Console("test"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordQCRun(ctx, store.QCRun{CompanyID: c.ID, ConnectionID: conn.ID, Trigger: store.QCTriggerManual, Status: store.QCOK}); err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 3); err != nil {
				t.Fatalf("down: %v", err)
			}
			if _, err := s.QCConnections(ctx, c.ID); err == nil {
				t.Fatal("qc_connections is still there after going down to schema 3")
			}
			if _, _, err := s.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if list, err := s.QCConnections(ctx, c.ID); err != nil || len(list) != 0 {
				t.Fatalf("after going up again: %v, %v", list, err)
			}
		})
	}
}
