package connector

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	blobLocal "github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/local"
	sqlitesink "github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing/client"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
	"github.com/trestle-dev/trestle/internal/sharing/testserver"
)

// env is a real sharing server over the sharingtest tables (people: change
// data feed, 4 versions; regions: partitioned) and a SQLite destination.
type env struct {
	tables *sharingtest.Tables
	srv    *testserver.Server
	dir    string
	db     *sql.DB
	dbPath string
	state  *state.File
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tables := sharingtest.Build(t)
	e := &env{tables: tables, dir: t.TempDir()}
	e.srv = testserver.Start(t, tables.Store, map[string]string{"s.rp.people": "people", "s.rp.regions": "regions"}, testserver.Options{})
	e.dbPath = filepath.Join(e.dir, "dest.db")
	var err error
	e.db, err = sql.Open("sqlite", sqlitesink.DSN(e.dbPath))
	must(t, err)
	t.Cleanup(func() { e.db.Close() })
	e.state, err = state.Open(filepath.Join(e.dir, state.FileName))
	must(t, err)
	return e
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// sync runs one sync with a fresh client and sink, as a run of the command
// would.
func (e *env) sync(t *testing.T, full bool, mutate ...func(*Options)) *Report {
	t.Helper()
	ctx := context.Background()
	p, err := client.LoadProfile(e.srv.WriteProfile(t, e.dir, time.Time{}))
	must(t, err)
	c, err := client.New(p, client.Options{Retry: client.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
	must(t, err)
	s, err := sqlitesink.New(ctx, sqlitesink.Options{Path: e.dbPath})
	must(t, err)
	defer s.Close()
	o := Options{Client: c, Sink: s, State: e.state, Config: &config.Config{}, Full: full, TempDir: t.TempDir()}
	for _, m := range mutate {
		m(&o)
	}
	r, err := Sync(ctx, o)
	must(t, err)
	return r
}

// result finds a table's result.
func result(t *testing.T, r *Report, table string) TableResult {
	t.Helper()
	for _, tr := range r.Tables {
		if tr.Table == table {
			return tr
		}
	}
	t.Fatalf("no result for %s in %+v", table, r.Tables)
	return TableResult{}
}

// people reads the destination's people table as "id name" rows.
func (e *env) people(t *testing.T) []string {
	t.Helper()
	rows, err := e.db.Query(`SELECT id, name FROM s__people ORDER BY id`)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var name sql.NullString
		must(t, rows.Scan(&id, &name))
		out = append(out, fmt.Sprintf("%d %s", id, name.String))
	}
	must(t, rows.Err())
	return out
}

func TestFullThenIncremental(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	r := e.sync(t, false)
	for _, name := range []string{"s.rp.people", "s.rp.regions"} {
		tr := result(t, r, name)
		if tr.Err != nil || tr.Plan.Mode != ModeFull || tr.Plan.Reason != "first sync of this table" {
			t.Fatalf("%s: first sync = %+v", name, tr)
		}
	}
	if got, want := e.people(t), []string{"1 Ana", "2 Benjamin", "4 Dee", "5 Eve"}; !slices.Equal(got, want) {
		t.Fatalf("people after the first sync = %q, want %q", got, want)
	}
	if tr := result(t, r, "s.rp.people"); tr.Version != 3 || tr.Rows != 4 {
		t.Errorf("people: version %d rows %d, want 3 and 4", tr.Version, tr.Rows)
	}
	// The partitioned table gets its partition column from the file's partition values.
	var ks, mo int
	must(t, e.db.QueryRow(`SELECT count(*) FILTER (WHERE region = 'KS'), count(*) FILTER (WHERE region = 'MO') FROM s__regions`).Scan(&ks, &mo))
	if ks == 0 || mo == 0 {
		t.Errorf("regions: %d KS rows and %d MO rows, want both", ks, mo)
	}

	// Nothing changed: nothing to do.
	r = e.sync(t, false)
	for _, tr := range r.Tables {
		if tr.Err != nil || tr.Plan.Mode != ModeSkip {
			t.Fatalf("second sync of %s = %+v, want up to date", tr.Table, tr)
		}
	}

	// Changes: update 4, delete 1, insert 6 (one merge), then append 7.
	people := e.tables.ByName["people"]
	_, err := people.Merge(ctx, []string{"id"}, sharingtest.PeopleBatch(t, sharingtest.Person{ID: 4, Name: "Dora"}, sharingtest.Person{ID: 6, Name: "Finn"}),
		[][]any{{int64(1)}}, delta.WriteOptions{})
	must(t, err)
	_, err = people.Append(ctx, sharingtest.PeopleBatch(t, sharingtest.Person{ID: 7, Name: "Gus"}), delta.WriteOptions{})
	must(t, err)
	r = e.sync(t, false)
	tr := result(t, r, "s.rp.people")
	if tr.Err != nil || tr.Plan.Mode != ModeIncremental || tr.Version != 5 {
		t.Fatalf("people after changes: %+v, want incremental to version 5", tr)
	}
	if tr.Rows != 3 || tr.Deleted != 1 {
		t.Errorf("people: %d rows upserted and %d deleted, want 3 and 1", tr.Rows, tr.Deleted)
	}
	if got, want := e.people(t), []string{"2 Benjamin", "4 Dora", "5 Eve", "6 Finn", "7 Gus"}; !slices.Equal(got, want) {
		t.Fatalf("people after the incremental sync = %q, want %q", got, want)
	}
	if st, _ := e.state.Get("s.rp.people"); st.Version != 5 || st.Mode != ModeIncremental || !slices.Equal(st.Key, []string{"id"}) {
		t.Errorf("state = %+v", st)
	}
	if tr := result(t, r, "s.rp.regions"); tr.Plan.Mode != ModeSkip {
		t.Errorf("regions did not change but was synced: %+v", tr)
	}

	// --full reloads everything.
	r = e.sync(t, true)
	for _, tr := range r.Tables {
		if tr.Err != nil || tr.Plan.Mode != ModeFull {
			t.Fatalf("full sync of %s = %+v", tr.Table, tr)
		}
	}
	if got := e.people(t); len(got) != 5 {
		t.Fatalf("people after a full sync = %q", got)
	}
}

// A table whose change feed cannot serve the versions asked for falls back to
// a full load and says why.
func TestFallbackToFull(t *testing.T) {
	e := newEnv(t)
	e.sync(t, false)
	// The destination claims an older version than the table has ever had
	// changes for: the server refuses the range.
	st, _ := e.state.Get("s.rp.people")
	st.Version = -5
	must(t, e.state.Set("s.rp.people", st))
	r := e.sync(t, false, func(o *Options) { o.Tables = []string{"s.rp.people"} })
	tr := result(t, r, "s.rp.people")
	if tr.Err != nil || tr.Plan.Mode != ModeFull || !strings.Contains(tr.Fallback, "change data feed is not available") {
		t.Fatalf("result = %+v, want a full load falling back from the change feed", tr)
	}
	if got := e.people(t); len(got) != 4 {
		t.Fatalf("people = %q", got)
	}
}

// The server fails three times, then answers: the sync succeeds.
func TestServerErrorsRetried(t *testing.T) {
	e := newEnv(t)
	var fails atomic.Int64
	e.srv.SetHook(func(w http.ResponseWriter, r *http.Request, n int) bool {
		if strings.HasSuffix(r.URL.Path, "/query") && fails.Add(1) <= 3 {
			http.Error(w, `{"errorCode":"INTERNAL_ERROR","message":"try again"}`, http.StatusInternalServerError)
			return true
		}
		return false
	})
	r := e.sync(t, false, func(o *Options) { o.Tables = []string{"s.rp.people"} })
	if tr := result(t, r, "s.rp.people"); tr.Err != nil {
		t.Fatalf("sync failed: %v", tr.Err)
	}
	if fails.Load() < 4 {
		t.Fatalf("the server saw %d queries, want the 3 failures and a success", fails.Load())
	}
	if got := e.people(t); len(got) != 4 {
		t.Fatalf("people = %q", got)
	}
}

// File URLs expire in the middle of the sync: the connector gets fresh ones
// and completes.
func TestExpiredURLsRefreshed(t *testing.T) {
	e := newEnv(t)
	var downloads, queries atomic.Int64
	e.srv.SetHook(func(w http.ResponseWriter, r *http.Request, n int) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/query"):
			queries.Add(1)
		case strings.Contains(r.URL.Path, "/files/"):
			if downloads.Add(1) == 1 {
				e.srv.AgeURLs(2 * time.Hour) // every URL handed out so far is now expired
			}
		}
		return false
	})
	r := e.sync(t, false, func(o *Options) { o.Tables = []string{"s.rp.people"} })
	if tr := result(t, r, "s.rp.people"); tr.Err != nil {
		t.Fatalf("sync failed: %v", tr.Err)
	}
	if queries.Load() < 2 {
		t.Fatalf("%d queries: the expired URLs were not refreshed", queries.Load())
	}
	if got := e.people(t); len(got) != 4 {
		t.Fatalf("people = %q", got)
	}
}

func TestDecide(t *testing.T) {
	const s1 = `{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]}`
	const s2 = `{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}},{"name":"x","type":"string","nullable":true,"metadata":{}}]}`
	const s3 = `{"type":"struct","fields":[{"name":"id","type":"string","nullable":false,"metadata":{}}]}`
	cdf := map[string]string{configCDF: "true"}
	prev := state.Table{Version: 4, Mode: ModeIncremental, SchemaHash: schemaHash(s1), Schema: s1, Key: []string{"id"}, Destination: "d"}
	base := planInput{prev: prev, hasPrev: true, version: 6, schema: s1, config: cdf, key: []string{"id"}, dest: "d"}
	tests := []struct {
		name   string
		change func(*planInput)
		mode   string
		reason string
	}{
		{"changes", func(*planInput) {}, ModeIncremental, "changes of versions 5 to 6"},
		{"first", func(p *planInput) { p.hasPrev = false }, ModeFull, "first sync"},
		{"forced", func(p *planInput) { p.forceFull = true }, ModeFull, "full sync was asked"},
		{"up to date", func(p *planInput) { p.version = 4 }, ModeSkip, "already at version 4"},
		{"mode full", func(p *planInput) { p.modeFull = true }, ModeFull, "mode is full"},
		{"no cdf", func(p *planInput) { p.config = nil }, ModeFull, "no change data feed"},
		{"no key", func(p *planInput) { p.key = nil }, ModeFull, "no primary key"},
		{"other key", func(p *planInput) { p.key = []string{"x"} }, ModeFull, "primary key is now (x), was (id)"},
		{"recreated", func(p *planInput) { p.version = 2 }, ModeFull, "went back from 4 to 2"},
		{"renamed destination", func(p *planInput) { p.dest = "e" }, ModeFull, "destination table is now e"},
		{"added column", func(p *planInput) { p.schema = s2 }, ModeIncremental, "changes of versions 5 to 6"},
		{"changed type", func(p *planInput) { p.schema = s3 }, ModeFull, `column "id" changed type from "long" to "string"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.change(&in)
			p := decide(in)
			if p.Mode != tc.mode || !strings.Contains(p.Reason, tc.reason) {
				t.Fatalf("decide = %+v, want mode %s with reason containing %q", p, tc.mode, tc.reason)
			}
		})
	}
	if p := decide(planInput{prev: prev, hasPrev: true, version: 6, schema: s2, config: cdf, key: []string{"id"}, dest: "d"}); !slices.Equal(p.AddedColumns, []string{"x"}) {
		t.Errorf("added columns = %q", p.AddedColumns)
	}
}

func TestDestName(t *testing.T) {
	for _, tc := range []struct{ tmpl, share, schema, table, want string }{
		{"", "Acme Corp", "rp", "people", "acme_corp__people"},
		{"{schema}_{table}", "s", "resource_planning", "time-off", "resource_planning_time_off"},
		{"{table}", "s", "x", "2026", "t_2026"},
	} {
		if got := destName(tc.tmpl, tc.share, tc.schema, tc.table); got != tc.want {
			t.Errorf("destName(%q, %q, %q, %q) = %q, want %q", tc.tmpl, tc.share, tc.schema, tc.table, got, tc.want)
		}
	}
}

// Files are copied byte for byte into a Parquet folder: small ones after a
// download into memory, large ones (here: all, with the memory limit off)
// streamed from the server after a look at their footer; either way the
// destination holds the table's rows.
func TestCopiesToParquetFolder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		memLimit int64
	}{{"downloaded", 0}, {"streamed", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			p, err := client.LoadProfile(e.srv.WriteProfile(t, e.dir, time.Time{}))
			must(t, err)
			c, err := client.New(p, client.Options{})
			must(t, err)
			out := filepath.Join(e.dir, "out")
			s, err := local.New(out, "parquet")
			must(t, err)
			defer s.Close()
			var ranged atomic.Int64
			e.srv.SetHook(func(w http.ResponseWriter, r *http.Request, n int) bool {
				if r.Header.Get("Range") != "" {
					ranged.Add(1)
				}
				return false
			})
			r, err := Sync(ctx, Options{Client: c, Sink: s, State: e.state, Config: &config.Config{}, Tables: []string{"s.rp.people"},
				TempDir: t.TempDir(), memLimit: tc.memLimit})
			must(t, err)
			tr := result(t, r, "s.rp.people")
			if tr.Err != nil || tr.Copied != tr.Files || tr.Files == 0 || tr.Rows != 4 {
				t.Fatalf("result = %+v, want every file copied and 4 rows", tr)
			}
			if tc.memLimit < 0 && ranged.Load() < int64(2*tr.Files) {
				t.Errorf("%d ranged requests for %d streamed files: footers not read", ranged.Load(), tr.Files)
			}
			st, err := blobLocal.New(out)
			must(t, err)
			rows, err := filestest.NewReader(st, files.Parquet).ReadRows(ctx, "s__people")
			must(t, err)
			slices.Sort(rows)
			if want := []string{`1 | "Ana"`, `2 | "Benjamin"`, `4 | "Dee"`, `5 | "Eve"`}; !slices.Equal(rows, want) {
				t.Fatalf("rows = %q, want %q", rows, want)
			}
		})
	}
}
