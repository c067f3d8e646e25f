package delta

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// ourFile reads a Parquet file with datafile.Open, as column names and rows of
// normalized values (integers as decimal strings, strings as themselves, null
// as nil).
func ourFile(t *testing.T, store *local.Store, key string) (names []string, rows [][]any) {
	t.Helper()
	ctx := context.Background()
	r, err := datafile.Open(ctx, store, key)
	if err != nil {
		t.Fatalf("datafile.Open %s: %v", key, err)
	}
	defer r.Close()
	for _, f := range r.Schema().Fields() {
		names = append(names, f.Name)
	}
	for rec, err := range r.Batches(ctx, 0) {
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		rows = append(rows, recordValues(t, rec)...)
	}
	if int64(len(rows)) != r.NumRows() {
		t.Fatalf("%s: read %d rows, footer says %d", key, len(rows), r.NumRows())
	}
	return names, rows
}

func recordValues(t *testing.T, rec arrow.RecordBatch) [][]any {
	t.Helper()
	out := make([][]any, rec.NumRows())
	for i := range out {
		out[i] = make([]any, rec.NumCols())
	}
	for c, col := range rec.Columns() {
		for i := range out {
			if col.IsNull(i) {
				continue
			}
			switch a := col.(type) {
			case *array.Int64:
				out[i][c] = strconv.FormatInt(a.Value(i), 10)
			case *array.String:
				out[i][c] = a.Value(i)
			default:
				t.Fatalf("column %s: type %s not handled by the cross-check", rec.ColumnName(c), col.DataType())
			}
		}
	}
	return out
}

// normalizeDuckDB turns DuckDB's JSON values into ourFile's form.
func normalizeDuckDB(t *testing.T, f testenv.DuckDBFile) [][]any {
	t.Helper()
	out := make([][]any, len(f.Rows))
	for i, r := range f.Rows {
		out[i] = make([]any, len(r))
		for c, v := range r {
			switch v := v.(type) {
			case nil:
			case string:
				out[i][c] = v
			case json.Number:
				out[i][c] = v.String()
			default:
				t.Fatalf("%s row %d column %d: unexpected JSON value %#v", f.Path, i, c, v)
			}
		}
	}
	return out
}

var duckdbWantTypes = map[string]string{"id": "BIGINT", "name": "VARCHAR", "score": "BIGINT", ChangeTypeColumn: "VARCHAR"}

// TestDuckDBReadsOurParquet: DuckDB, an independent reader (testenv.DuckDB),
// reads the data and change data files Table writes as datafile reads them.
func TestDuckDBReadsOurParquet(t *testing.T) {
	ctx := context.Background()
	tbl, store := crossCheckTable(t)
	duck := testenv.DuckDB(t)

	snap := mustSnapshot(t, tbl)
	var keys []string
	isCDC := map[string]bool{}
	for _, a := range snap.Files() {
		k, err := tbl.DataKey(a.Path)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	nData := len(keys)
	changes, err := tbl.Changes(ctx, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	for _, vc := range changes {
		for _, f := range vc.Files {
			if !f.CDC {
				continue
			}
			k, err := tbl.DataKey(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
			isCDC[k] = true
		}
	}
	if nData < 2 || len(keys) == nData {
		t.Fatalf("%d data files and %d change data files: the table does not have both", nData, len(keys)-nData)
	}
	paths := make([]string, len(keys))
	for i, k := range keys {
		paths[i] = filepath.Join(store.Dir(), filepath.FromSlash(k))
		if _, err := os.Stat(paths[i]); err != nil {
			t.Fatalf("file of %s: %v", k, err)
		}
	}

	start := time.Now()
	out := duck.ReadParquet(t, paths...)
	t.Logf("DuckDB %s read %d data files and %d change data files in %v",
		out.DuckDBVersion, nData, len(keys)-nData, time.Since(start).Round(time.Millisecond))

	var duckTable []row
	changeTypes := map[string]int{}
	for i, k := range keys {
		df := out.Files[i]
		names, ours := ourFile(t, store, k)
		theirs := normalizeDuckDB(t, df)
		if !slices.Equal(df.Columns, names) {
			t.Fatalf("%s: DuckDB columns %v, ours %v", k, df.Columns, names)
		}
		for c, name := range df.Columns {
			if want := duckdbWantTypes[name]; df.Types[c] != want {
				t.Errorf("%s: DuckDB reads column %s as %s, want %s", k, name, df.Types[c], want)
			}
		}
		if df.Count != int64(len(ours)) || len(theirs) != len(ours) {
			t.Fatalf("%s: DuckDB count(*) %d and %d rows, ours %d rows", k, df.Count, len(theirs), len(ours))
		}
		for j := range ours {
			if !slices.Equal(theirs[j], ours[j]) {
				t.Fatalf("%s row %d: DuckDB %q, ours %q", k, j, theirs[j], ours[j])
			}
		}
		if isCDC[k] {
			for _, r := range theirs {
				changeTypes[r[3].(string)]++
			}
			continue
		}
		for _, r := range theirs {
			id, _ := strconv.ParseInt(r[0].(string), 10, 64)
			score, _ := strconv.ParseInt(r[2].(string), 10, 64)
			duckTable = append(duckTable, row{ID: id, Name: r[1].(string), Score: score})
		}
	}
	// The whole snapshot as DuckDB reads it file by file is the snapshot Scan returns.
	slices.SortFunc(duckTable, func(a, b row) int { return int(a.ID - b.ID) })
	sameRows(t, "DuckDB's rows of the latest snapshot vs Table.Scan", duckTable, readRows(t, tbl, snap))
	wantTypes := map[string]int{ChangeInsert: 3, ChangeDelete: 2, ChangeUpdatePreimage: 2, ChangeUpdatePostimage: 2}
	if fmt.Sprint(changeTypes) != fmt.Sprint(wantTypes) {
		t.Fatalf("change types DuckDB reads %v, want %v", changeTypes, wantTypes)
	}
}
