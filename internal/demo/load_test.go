package demo

// The Load checks of loadcheck_test.go against real SQLite and PostgreSQL databases.

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func openStore(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

func openSQLite(t *testing.T) *sqlstore.Store {
	return openStore(t, "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
}

// TestLoadSQLite loads the demo into a fresh SQLite database (twice for the same day,
// once for the next) and checks the stored data.
func TestLoadSQLite(t *testing.T) {
	checkLoad(t, openSQLite(t), 10*time.Second)
}

// TestLoadPostgres does the same on PostgreSQL.
func TestLoadPostgres(t *testing.T) {
	checkLoad(t, openStore(t, testenv.PostgresURL(t)), 10*time.Second)
}
