package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// DuckDB is the tests' independent Parquet reader: testdata/duckdb/read.mjs (next
// to this file) reads Parquet files with DuckDB's read_parquet through the
// @duckdb/node-api npm package, whose exact version testdata/duckdb/package.json
// pins. The package is installed once per machine into
// <cache>/trestle-test/duckdb-<version> (XDG_CACHE_HOME or ~/.cache), never into
// the repository; scripts/test.sh pre-installs it the same way, so keep the two
// equal.

// DuckDBReader runs DuckDB, installed, on Parquet files. Get one with DuckDB.
type DuckDBReader struct {
	dir string // the install folder, holding node_modules/@duckdb/node-api
}

// DuckDBResult is what DuckDB reports for the files of one ReadParquet call.
type DuckDBResult struct {
	DuckDBVersion string       `json:"duckdbVersion"` // SELECT version(), e.g. "v1.5.6"
	Files         []DuckDBFile `json:"files"`         // in the order of the files read
}

// DuckDBFile is what DuckDB reports for one Parquet file.
//
// Types are DuckDB's type names as it prints them, e.g. BIGINT, VARCHAR, DATE,
// DECIMAL(18,4), TIMESTAMP WITH TIME ZONE, VARCHAR[], MAP(VARCHAR, VARCHAR),
// STRUCT("a" BIGINT, "b" VARCHAR)[] (struct field names in double quotes).
//
// Rows hold the values of @duckdb/node-api's getRowsJson, decoded with
// json.Decoder.UseNumber, so a JSON number is a json.Number. Per DuckDB type
// (checked by this package's TestDuckDBReadParquet):
//
//   - NULL, at any depth: nil
//   - BIGINT (also UBIGINT, HUGEINT): string of decimal digits, exact:
//     "9007199254740993", "-42"
//   - INTEGER (also SMALLINT, TINYINT): json.Number, "7"
//   - DOUBLE (also FLOAT): json.Number as JavaScript prints it, "0.1", and 1.0
//     as "1"; NaN and infinities are the strings "NaN", "Infinity", "-Infinity"
//   - BOOLEAN: bool
//   - VARCHAR: string
//   - DATE: string, "2024-02-29"
//   - DECIMAL(p,s): string with exactly s digits after the point: "1234.5000",
//     "-0.0001"
//   - TIMESTAMP WITH TIME ZONE: string in UTC whatever the machine's time zone,
//     the fraction without trailing zeros and left out when zero:
//     "2024-02-29 12:34:56.789+00", "1970-01-01 00:00:00+00"
//   - TIMESTAMP: the same without the offset: "1970-01-01 00:00:00.000001"
//   - LIST (T[]): []any of the elements; an empty list is []any{}, not nil
//   - MAP(K, V): []any of the entries in file order, each
//     map[string]any{"key": k, "value": v}
//   - STRUCT(...): map[string]any from field name to value
type DuckDBFile struct {
	Path    string   `json:"path"`
	Count   int64    `json:"count"` // SELECT count(*)
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	Rows    [][]any  `json:"rows"` // SELECT *, in file order
}

var duckdbSetup struct {
	once   sync.Once
	reader *DuckDBReader
	err    error
	took   time.Duration
}

// DuckDB returns the DuckDB reader. The first call on a machine installs the
// pinned @duckdb/node-api with npm into the cache folder (into a temporary
// folder renamed into place, so concurrent test binaries and interrupted
// installs are safe); the first call in a test binary checks that it loads.
// Without node, npm or the package the test is skipped, or fails in CI.
func DuckDB(t testing.TB) *DuckDBReader {
	t.Helper()
	s := &duckdbSetup
	s.once.Do(func() {
		start := time.Now()
		dir, err := duckdbInstall()
		if err == nil {
			r := &DuckDBReader{dir: dir}
			if _, err = r.read(); err == nil { // loads the native binding
				s.reader = r
			}
		}
		s.err, s.took = err, time.Since(start)
	})
	if s.err != nil {
		Unavailable(t, "DuckDB (node + npm package @duckdb/node-api)",
			"install Node.js 20+ and npm with access to the npm registry (scripts/test.sh pre-installs the package)", s.err)
	}
	t.Logf("DuckDB from %s (setup took %v)", s.reader.dir, s.took.Round(time.Millisecond))
	return s.reader
}

// ReadParquet reads the Parquet files (paths on the local disk) with DuckDB and
// returns what it reports, one DuckDBFile per file in order. It fails the test
// if DuckDB cannot read one of them.
func (r *DuckDBReader) ReadParquet(t testing.TB, files ...string) DuckDBResult {
	t.Helper()
	out, err := r.read(files...)
	if err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	return out
}

// read runs read.mjs on files.
func (r *DuckDBReader) read(files ...string) (DuckDBResult, error) {
	script, err := duckdbTestdata("read.mjs")
	if err != nil {
		return DuckDBResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, files...)...)
	cmd.Env = append(os.Environ(), "TRESTLE_DUCKDB_DIR="+r.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return DuckDBResult{}, fmt.Errorf("node read.mjs: %v\n%s", err, stderr.Bytes())
	}
	var out DuckDBResult
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return DuckDBResult{}, fmt.Errorf("read.mjs output: %w", err)
	}
	if len(out.Files) != len(files) {
		return DuckDBResult{}, fmt.Errorf("read.mjs reported %d files, asked for %d", len(out.Files), len(files))
	}
	return out, nil
}

// duckdbTestdata returns the path of a file of testdata/duckdb, found next to
// this source file so that it does not depend on the test's working directory.
func duckdbTestdata(name string) (string, error) {
	_, src, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate internal/testenv's source (runtime.Caller)")
	}
	p := filepath.Join(filepath.Dir(src), "testdata", "duckdb", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("internal/testenv's testdata, located from its source file %s (tests built with -trimpath cannot find it): %w", src, err)
	}
	return p, nil
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

// duckdbPinnedVersion reads the exact @duckdb/node-api version of package.json,
// and package.json itself.
func duckdbPinnedVersion() (string, []byte, error) {
	path, err := duckdbTestdata("package.json")
	if err != nil {
		return "", nil, err
	}
	pkg, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(pkg, &p); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	v := p.Dependencies["@duckdb/node-api"]
	if v == "" || strings.ContainsAny(v, "^~<>=* ") {
		return "", nil, fmt.Errorf("%s must pin an exact @duckdb/node-api version, has %q", path, v)
	}
	return v, pkg, nil
}

// duckdbInstall returns the folder holding node_modules/@duckdb/node-api,
// installing it first if this machine does not have it (npmInstall).
func duckdbInstall() (string, error) {
	version, pkg, err := duckdbPinnedVersion()
	if err != nil {
		return "", err
	}
	return npmInstall(npmPackage{name: "duckdb", version: version, files: map[string][]byte{"package.json": pkg},
		args: []string{"install", "--no-audit", "--no-fund", "--no-package-lock", "--no-update-notifier", "--loglevel=error"}})
}
