// Package testenv finds the real services integration tests need (PostgreSQL,
// MariaDB, an S3-compatible server it starts itself; see S3) and gives each test
// an isolated place in them. Outside CI a missing
// service skips the test with a message saying how to provide it; in CI (CI=true) it
// fails the test, because a skipped integration test there is a failed test.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
)

// InCI reports whether the tests run in CI, where no service may be missing.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// Unavailable skips the test, or fails it in CI, because a service is missing.
func Unavailable(t testing.TB, service, how string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not available (%v); %s", service, err, how)
	if InCI() {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skip(msg)
}

// PostgresAdminURL is the server the tests use: $TRESTLE_TEST_POSTGRES_URL, or the
// local server with trust auth.
func PostgresAdminURL() string {
	if u := os.Getenv("TRESTLE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresURL returns a URL for a new, empty schema on the test PostgreSQL server,
// dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		Unavailable(t, "PostgreSQL at "+admin, "start it or set TRESTLE_TEST_POSTGRES_URL", err)
	}
	schema := "t_" + randomHex(6)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop test schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", admin, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
