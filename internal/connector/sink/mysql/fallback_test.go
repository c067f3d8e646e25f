package mysql

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

func TestRefusesLocalInfile(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&gomysql.MySQLError{Number: 1148, Message: "The used command is not allowed with this MariaDB version"}, true},
		{&gomysql.MySQLError{Number: 3948, Message: "Loading local data is disabled"}, true},
		{fmt.Errorf("load: %w", &gomysql.MySQLError{Number: 4166, Message: "local infile disabled"}), true},
		{&gomysql.MySQLError{Number: 1146, Message: "Table doesn't exist"}, false},
		{errors.New("connection refused"), false},
	} {
		if got := refusesLocalInfile(c.err); got != c.want {
			t.Errorf("refusesLocalInfile(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestLocalInfileOff loads into a server started with local_infile=OFF
// (its DSN in $TRESTLE_TEST_MARIADB_NOINFILE_DSN; the shared test server has
// it on, and it is a global setting): the first load falls back to INSERTs
// on its own, and the Sink remembers it.
func TestLocalInfileOff(t *testing.T) {
	dsn := os.Getenv("TRESTLE_TEST_MARIADB_NOINFILE_DSN")
	if dsn == "" {
		t.Skip("set TRESTLE_TEST_MARIADB_NOINFILE_DSN to a MariaDB/MySQL database whose server has local_infile=OFF")
	}
	ctx := context.Background()
	s, err := New(ctx, Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms := s.(*Sink)
	var on string
	if err := ms.db.QueryRowContext(ctx, "SELECT @@local_infile").Scan(&on); err != nil || on != "0" {
		t.Fatalf("the server's local_infile is %q (%v), want OFF (0)", on, err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	table := fmt.Sprintf("noinfile_%d", time.Now().UnixNano())
	defer ms.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(table))
	for i := range 2 {
		rec := sinktest.Batch(schema, []any{int64(i), "row\t" + fmt.Sprint(i)})
		l, err := s.BeginFull(ctx, sink.Table{Name: table, Schema: schema, Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Write(ctx, rec); err != nil {
			l.Abort(ctx)
			t.Fatalf("load %d: %v", i, err)
		}
		rec.Release()
		if err := l.Commit(ctx); err != nil {
			t.Fatalf("load %d: %v", i, err)
		}
		if !ms.noLocalInfile.Load() {
			t.Fatalf("after load %d the Sink still tries LOAD DATA LOCAL", i)
		}
		var name string
		if err := ms.db.QueryRowContext(ctx, "SELECT name FROM "+quote(table)+" WHERE id = ?", i).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if want := "row\t" + fmt.Sprint(i); name != want {
			t.Errorf("load %d: name %q, want %q", i, name, want)
		}
	}
}
