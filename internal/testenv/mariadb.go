package testenv

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql" // MariaDB/MySQL driver, registered as "mysql"
)

// MariaDBAdminDSN is the server the tests use, as a go-sql-driver/mysql DSN:
// $TRESTLE_TEST_MARIADB_DSN, or the local server (scripts/services.sh starts it)
// as root with an empty password.
func MariaDBAdminDSN() string {
	if d := os.Getenv("TRESTLE_TEST_MARIADB_DSN"); d != "" {
		return d
	}
	return "root@tcp(127.0.0.1:3306)/test"
}

// MariaDBURL returns a go-sql-driver/mysql DSN ("user:password@tcp(host:port)/db")
// for a new, empty database on the test MariaDB server, dropped when the test
// ends. Without the server the test is skipped, or fails in CI.
func MariaDBURL(t testing.TB) string {
	t.Helper()
	admin := MariaDBAdminDSN()
	cfg, err := mysql.ParseDSN(admin)
	if err != nil {
		t.Fatalf("TRESTLE_TEST_MARIADB_DSN is not a go-sql-driver/mysql DSN (user:password@tcp(host:port)/db): %v", err)
	}
	shown := cfg.User + "@" + cfg.Net + "(" + cfg.Addr + ")" // without the password
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", admin)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		Unavailable(t, "MariaDB at "+shown, "start it (scripts/services.sh) or set TRESTLE_TEST_MARIADB_DSN", err)
	}
	name := "t_" + randomHex(6)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("create test database on MariaDB at %s: %v", shown, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		db.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}
