package mysql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

// paths runs f on the LOAD DATA path and on the INSERT fallback.
func paths(t *testing.T, f func(t *testing.T, s *Sink, r *reader)) {
	for _, p := range []struct {
		name    string
		inserts bool
	}{{"LoadData", false}, {"Inserts", true}} {
		t.Run(p.name, func(t *testing.T) {
			s, r := open(t, p.inserts)
			defer s.Close()
			f(t, s, r)
		})
	}
}

// fullLoad runs a full load of recs (released) to its commit.
func fullLoad(ctx context.Context, t *testing.T, s *Sink, tbl sink.Table, recs ...arrow.RecordBatch) {
	t.Helper()
	l, err := s.BeginFull(ctx, tbl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		err := l.Write(ctx, rec)
		rec.Release()
		if err != nil {
			l.Abort(ctx)
			t.Fatalf("write %s: %v", tbl.Name, err)
		}
	}
	if err := l.Commit(ctx); err != nil {
		l.Abort(ctx)
		t.Fatalf("commit %s: %v", tbl.Name, err)
	}
}

func check(ctx context.Context, t *testing.T, r *reader, table string, want []string) {
	t.Helper()
	got, err := r.ReadRows(ctx, table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("%s holds\n%s\nwant\n%s", table, strings.Join(sorted(got), "\n"), strings.Join(sorted(want), "\n"))
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestOddNamesAndValues loads a table whose name and columns hold backticks,
// quotes, spaces and dots, with text that holds every character the load
// formats escape, fully and then incrementally.
func TestOddNamesAndValues(t *testing.T) {
	paths(t, func(t *testing.T, s *Sink, r *reader) {
		ctx := context.Background()
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "k`ey", Type: arrow.BinaryTypes.String},
			{Name: "va'l \"ue", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "b.in", Type: arrow.BinaryTypes.Binary, Nullable: true},
			{Name: "Ünï cödé", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		}, nil)
		tbl := sink.Table{Name: "we`ird 'ta.ble\"", Schema: schema, Key: []string{"k`ey"}}
		odd := "tab\there\nnewline\r\\back\\slash\\N \x00nul 'single' \"double\" `tick` \x1a 🎉 日本語 \\t"
		rows := [][]any{
			{"a", odd, []byte{0, '\t', '\n', '\\', 255}, int32(1)},
			{"A", `\N`, []byte{}, nil}, // a key differing in case only; the text \N is not NULL
			{"a ", "", nil, int32(3)},  // a key differing in a trailing space only
			{"\\N", nil, []byte("x"), int32(4)},
			{"tab\tkey\n", "x", nil, nil}, // control characters in a key
		}
		rec := sinktest.Batch(schema, rows...)
		want := sinktest.CanonicalRows(rec)
		fullLoad(ctx, t, s, tbl, rec)
		check(ctx, t, r, tbl.Name, want)
		cols, err := r.Columns(ctx, tbl.Name)
		if err != nil || strings.Join(cols, "|") != "k`ey|va'l \"ue|b.in|Ünï cödé" {
			t.Errorf("columns %q (%v)", cols, err)
		}

		// Incremental: update the odd row, delete "A", keep the others.
		l, err := s.BeginIncremental(ctx, tbl)
		if err != nil {
			t.Fatal(err)
		}
		upd := sinktest.Batch(schema, []any{"a", odd + "!", []byte{1}, int32(2)})
		keys := sinktest.Batch(arrow.NewSchema([]arrow.Field{{Name: "k`ey", Type: arrow.BinaryTypes.String}}, nil), []any{"A"})
		defer upd.Release()
		defer keys.Release()
		if err := l.Write(ctx, upd); err != nil {
			t.Fatal(err)
		}
		if err := l.Delete(ctx, keys); err != nil {
			t.Fatal(err)
		}
		if err := l.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want = append(sinktest.CanonicalRows(upd), want[2:]...)
		check(ctx, t, r, tbl.Name, want)
	})
}

// TestCanceledLoadKeepsTable cancels a full load while rows stream: the load
// fails, Abort removes the staging table, the table keeps its rows, and the
// next load works.
func TestCanceledLoadKeepsTable(t *testing.T) {
	paths(t, func(t *testing.T, s *Sink, r *reader) {
		ctx := context.Background()
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		tbl := sink.Table{Name: "kept", Schema: schema, Key: []string{"id"}}
		first := sinktest.Batch(schema, []any{int64(1), "one"}, []any{int64(2), "two"})
		want := sinktest.CanonicalRows(first)
		fullLoad(ctx, t, s, tbl, first)

		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		l, err := s.BeginFull(cctx, tbl)
		if err != nil {
			t.Fatal(err)
		}
		next := int64(100)
		batch := func() arrow.RecordBatch {
			rows := make([][]any, 20_000)
			for i := range rows {
				rows[i] = []any{next, strings.Repeat("x", 100)}
				next++
			}
			return sinktest.Batch(schema, rows...)
		}
		var werr error
		for i := 0; i < 200 && werr == nil; i++ {
			if i == 3 {
				cancel()
			}
			rec := batch()
			werr = l.Write(cctx, rec)
			rec.Release()
		}
		if werr == nil {
			werr = l.Commit(cctx)
		}
		if werr == nil {
			t.Fatal("the canceled load went through")
		}
		t.Logf("the canceled load failed: %v", werr)
		if err := l.Abort(cctx); err != nil {
			t.Errorf("Abort: %v", err)
		}
		check(ctx, t, r, tbl.Name, want)
		var n int
		if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables
			WHERE table_schema = DATABASE() AND table_name LIKE 'kept\_\_%'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d staging tables left (%v)", n, err)
		}
		second := sinktest.Batch(schema, []any{int64(3), "three"})
		want = sinktest.CanonicalRows(second)
		fullLoad(ctx, t, s, tbl, second)
		check(ctx, t, r, tbl.Name, want)
	})
}

// TestBadDataFailsLoad checks that values the server rejects fail the whole
// load (LOAD DATA LOCAL would make them warnings) and leave the table.
func TestBadDataFailsLoad(t *testing.T) {
	paths(t, func(t *testing.T, s *Sink, r *reader) {
		ctx := context.Background()
		schema := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		tbl := sink.Table{Name: "strict", Schema: schema, Key: []string{"id"}}
		first := sinktest.Batch(schema, []any{int64(1), "ok"})
		want := sinktest.CanonicalRows(first)
		fullLoad(ctx, t, s, tbl, first)
		for _, c := range []struct {
			name string
			rows [][]any
			want string
		}{
			{"duplicate key", [][]any{{int64(5), "a"}, {int64(5), "b"}}, "Duplicate"},
			{"NULL key", [][]any{{nil, "a"}}, "null"},
		} {
			l, err := s.BeginFull(ctx, tbl)
			if err != nil {
				t.Fatal(err)
			}
			rec := sinktest.Batch(schema, c.rows...)
			err = l.Write(ctx, rec)
			rec.Release()
			if err == nil {
				err = l.Commit(ctx)
			}
			l.Abort(ctx)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) || !strings.Contains(err.Error(), "strict") {
				t.Errorf("%s: load error %v, want one naming the table and saying %q", c.name, err, c.want)
			}
			check(ctx, t, r, tbl.Name, want)
		}
	})
}

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		dsn                        string
		user, pass, addr, db, want string
	}{
		{dsn: "app:s3cr@t/x@tcp(db.example:3307)/sales?timeout=5s", user: "app", pass: "s3cr@t/x", addr: "db.example:3307", db: "sales"},
		{dsn: "mysql://app:p%40ss%2Fw@db.example/sales?timeout=5s", user: "app", pass: "p@ss/w", addr: "db.example:3306", db: "sales"},
		{dsn: "mariadb://root@127.0.0.1:3306/test", user: "root", addr: "127.0.0.1:3306", db: "test"},
		{dsn: "not a dsn", want: "invalid DSN"},
	} {
		cfg, err := ParseDSN(c.dsn)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseDSN(%q) error %v, want %q", c.dsn, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", c.dsn, err)
			continue
		}
		got := fmt.Sprint(cfg.User, " ", cfg.Passwd, " ", cfg.Addr, " ", cfg.DBName)
		if want := fmt.Sprint(c.user, " ", c.pass, " ", c.addr, " ", c.db); got != want {
			t.Errorf("ParseDSN(%q) = %s, want %s", c.dsn, got, want)
		}
		if cfg.AllowAllFiles || cfg.MultiStatements || cfg.Params["time_zone"] != "'+00:00'" || cfg.Timeout.String() != "5s" && strings.Contains(c.dsn, "timeout") {
			t.Errorf("ParseDSN(%q): settings %+v", c.dsn, cfg)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"app:secret@tcp(h:3306)/db":        "app:xxxxx@tcp(h:3306)/db",
		"app@tcp(h:3306)/db":               "app@tcp(h:3306)/db",
		"mysql://app:secret@h:3306/db?x=1": "mysql://app:xxxxx@h:3306/db?x=1",
		"mysql://app@h/db":                 "mysql://app@h/db",
	} {
		if got := RedactDSN(dsn); got != want || strings.Contains(got, "secret") {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}

func TestDerivedName(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	for _, name := range []string{"people", long, long + "x"} {
		got := derivedName(name, "__staging")
		if len(got) > maxIdent || !strings.HasSuffix(got, "__staging") {
			t.Errorf("derivedName(%q) = %q (%d bytes)", name, got, len(got))
		}
	}
	if derivedName(long, "__staging") == derivedName(long+"x", "__staging") {
		t.Error("two long names share a staging name")
	}
	if got := derivedName("people", "__staging"); got != "people__staging" {
		t.Errorf("derivedName(people) = %q", got)
	}
}
