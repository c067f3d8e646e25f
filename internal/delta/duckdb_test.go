package delta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// DuckDB is the independent reader: testdata/duckdb/read.mjs reads Parquet files
// with DuckDB's read_parquet through the @duckdb/node-api npm package, whose
// exact version testdata/duckdb/package.json pins. The package is installed once
// per machine into <cache>/trestle-test/duckdb-<version> (XDG_CACHE_HOME or
// ~/.cache, as scripts/test.sh does), never into the repository.

const duckdbTestdata = "testdata/duckdb"

var duckdbSetup struct {
	once sync.Once
	dir  string
	err  error
	how  string
}

// duckdbCacheRoot mirrors scripts/test.sh: ${XDG_CACHE_HOME:-$HOME/.cache}.
func duckdbCacheRoot() string {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return x
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".cache")
	}
	return filepath.Join(os.TempDir(), ".cache")
}

// duckdbPinnedVersion reads the exact @duckdb/node-api version of package.json.
func duckdbPinnedVersion() (string, []byte, error) {
	pkg, err := os.ReadFile(filepath.Join(duckdbTestdata, "package.json"))
	if err != nil {
		return "", nil, err
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(pkg, &p); err != nil {
		return "", nil, fmt.Errorf("package.json: %w", err)
	}
	v := p.Dependencies["@duckdb/node-api"]
	if v == "" || strings.ContainsAny(v, "^~<>=* ") {
		return "", nil, fmt.Errorf("package.json must pin an exact @duckdb/node-api version, has %q", v)
	}
	return v, pkg, nil
}

const duckdbReadyMarker = ".trestle-installed"

// duckdbInstall returns the folder holding node_modules/@duckdb/node-api,
// installing it first if this machine does not have it. Concurrent test binaries
// each install into their own temporary folder and rename it into place; the
// loser of the rename discards its copy.
func duckdbInstall() (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", err
	}
	version, pkg, err := duckdbPinnedVersion()
	if err != nil {
		return "", err
	}
	parent := filepath.Join(duckdbCacheRoot(), "trestle-test")
	dir := filepath.Join(parent, "duckdb-"+version)
	ready := func() bool {
		_, err := os.Stat(filepath.Join(dir, duckdbReadyMarker))
		return err == nil
	}
	if ready() {
		return dir, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "duckdb-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), pkg, 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--no-package-lock",
		"--no-update-notifier", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install @duckdb/node-api@%s: %v\n%s", version, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, duckdbReadyMarker), []byte(version+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if ready() { // another test binary won the race
			return dir, nil
		}
		if errors.Is(err, fs.ErrExist) || isNotEmpty(err) {
			return "", fmt.Errorf("%s exists but is not a finished install (remove it): %w", dir, err)
		}
		return "", err
	}
	return dir, nil
}

func isNotEmpty(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not empty")
}

// duckdbFile is what read.mjs reports for one Parquet file.
type duckdbFile struct {
	Path    string   `json:"path"`
	Count   int64    `json:"count"`
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	Rows    [][]any  `json:"rows"`
}

type duckdbOutput struct {
	DuckDBVersion string       `json:"duckdbVersion"`
	Files         []duckdbFile `json:"files"`
}

// runDuckDB reads files with read.mjs.
func runDuckDB(dir string, files ...string) (duckdbOutput, error) {
	script, err := filepath.Abs(filepath.Join(duckdbTestdata, "read.mjs"))
	if err != nil {
		return duckdbOutput{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, files...)...)
	cmd.Env = append(os.Environ(), "TRESTLE_DUCKDB_DIR="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return duckdbOutput{}, fmt.Errorf("node read.mjs: %v\n%s", err, stderr.Bytes())
	}
	var out duckdbOutput
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return duckdbOutput{}, fmt.Errorf("read.mjs output: %w", err)
	}
	if len(out.Files) != len(files) {
		return duckdbOutput{}, fmt.Errorf("read.mjs reported %d files, asked for %d", len(out.Files), len(files))
	}
	return out, nil
}

// needDuckDB returns the install folder, skipping (failing in CI) when node,
// npm or the package cannot be had.
func needDuckDB(t *testing.T) string {
	t.Helper()
	s := &duckdbSetup
	s.once.Do(func() {
		start := time.Now()
		s.dir, s.err = duckdbInstall()
		if s.err == nil {
			_, s.err = runDuckDB(s.dir) // loads the native binding
		}
		s.how = fmt.Sprintf("setup took %v", time.Since(start).Round(time.Millisecond))
	})
	if s.err != nil {
		testenv.Unavailable(t, "DuckDB (node + npm package @duckdb/node-api)",
			"install Node.js 20+ and npm with access to the npm registry (scripts/test.sh pre-installs the package)", s.err)
	}
	t.Logf("DuckDB from %s (%s)", s.dir, s.how)
	return s.dir
}

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

// normalizeDuckDB turns read.mjs's JSON values into ourFile's form.
func normalizeDuckDB(t *testing.T, f duckdbFile) [][]any {
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

func TestDuckDBReadsOurParquet(t *testing.T) {
	ctx := context.Background()
	tbl, store := crossCheckTable(t)
	dir := needDuckDB(t)

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
	out, err := runDuckDB(dir, paths...)
	if err != nil {
		t.Fatal(err)
	}
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
