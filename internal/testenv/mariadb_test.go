package testenv

import (
	"context"
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestMariaDBURL checks that each test gets its own empty database, usable
// through the DSN, and that it is dropped when the test ends.
func TestMariaDBURL(t *testing.T) {
	ctx := context.Background()
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := MariaDBURL(t)
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatalf("MariaDBURL returned %q, not a DSN: %v", dsn, err)
		}
		name = cfg.DBName
		other := MariaDBURL(t)
		if other == dsn {
			t.Fatalf("two calls returned the same database %q", dsn)
		}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var current string
		if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current != name {
			t.Errorf("connected to database %q, want %q", current, name)
		}
		var tables int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", name).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables, want 0", tables)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE x (id INT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
	})
	if t.Failed() || t.Skipped() || name == "" {
		return
	}
	db, err := sql.Open("mysql", MariaDBAdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test ended", name)
	}
}
