package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/store/storetest"
	"github.com/trestle-dev/trestle/internal/testenv"
)

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}
func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// TestSharedSQLite runs the two-store tests on two stores of one SQLite file,
// as two parts of one process would open it.
func TestSharedSQLite(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "hub.db")
	storetest.RunShared(t, openURLStore(t, url), openURLStore(t, url))
}

// TestSharedPostgres runs the two-store tests on two stores of one PostgreSQL
// database, as two hub processes would open it; stores on two schemas of the
// database (two hubs) do not share locks.
func TestSharedPostgres(t *testing.T) {
	url := testenv.PostgresURL(t)
	a, b := openURLStore(t, url), openURLStore(t, url)
	storetest.RunShared(t, a, b)
	other := openPostgres(t)
	release, ok, err := a.TryLock(context.Background(), "scheduler")
	if err != nil || !ok {
		t.Fatalf("lock: %v, %v", ok, err)
	}
	defer release()
	if release, ok, err := other.TryLock(context.Background(), "scheduler"); err != nil || !ok {
		t.Fatalf("a hub in another schema could not take its own lock: %v, %v", ok, err)
	} else {
		release()
	}
}

// openURLStore opens a store at url (SQLite or PostgreSQL).
func openURLStore(t testing.TB, url string) store.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
