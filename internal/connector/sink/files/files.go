// Package files is the file destination of the connector: a [sink.Sink] over
// any blob.Store (a local folder, an S3 bucket ...) that keeps each table as
// files in one of three formats. Packages sink/local and sink/s3 open it on a
// folder and on a bucket.
//
// # parquet
//
// Table T is the folder T/ of Parquet part files (zstd), each of at most about
// a million rows: part-00000-<run>.zstd.parquet, ... . A table is never empty
// of files: a load without rows writes one file without rows, so readers
// still find the columns. A full load writes its files to a staging folder,
// _trestle_staging/T/<run>/: outside every table folder, and named with the
// leading "_" that Spark, Hive and other readers of folder trees take as
// "not data". Commit swaps it in:
//
//   - on a store that renames folders (a local folder: blob.Renamer), Commit
//     writes the marker _trestle_staging/T/<run>.commit, moves T/ aside to
//     _trestle_staging/T/<run>.old/, moves the staging folder to T/, then
//     removes the marker and the old folder. Readers see the old folder or
//     the new one, never a mix (between the two moves T/ is briefly absent).
//   - on a store without renames (S3), Commit writes the marker, copies each
//     staged file into T/ server-side (blob.Copier, S3 CopyObject), deletes
//     the previous files of T/, then removes the marker and the staging
//     folder. That is not atomic: while it runs, a reader listing T/ may see
//     the old and the new files together (or some old files already gone).
//     The window is as long as the copies and deletes take — short, as they
//     run in parallel on the server — but it exists; the delta format is the
//     atomic choice on S3.
//
// The marker makes the swap recoverable: a process that dies during Commit
// leaves it behind, and the next Begin of that table, or the next New on the
// store, completes the swap from where it stopped (the marker is written only
// once the staged table is complete). Staging folders without a marker are
// loads that never committed; they are deleted then. So a crash at any point
// leaves the table whole, old or new, never lost.
//
// Full loads implement sink.FileCopier: CopyFile streams a shared Parquet
// file, byte for byte, into the staging folder as one more part file.
// Incremental loads are not possible (BeginIncremental returns an error
// wrapping sink.ErrNoIncremental): the engine reloads whole tables.
//
// # csv
//
// Table T is the single object T.csv: a header row of the column names, then
// one line per row, fields separated by commas, lines ending in "\n", fields
// quoted (RFC 4180, quotes doubled) when they hold a comma, a quote or a line
// break, or start with a space or a tab. Values:
//
//	null                        an empty, unquoted field
//	an empty string or binary   "" (a quoted empty field), so it differs from null
//	integers                    decimal digits
//	float, double               shortest exact decimal form (strconv 'g'); NaN, Infinity, -Infinity
//	boolean                     true / false
//	string                      the text
//	binary                      base64 (standard alphabet, padded)
//	date                        2006-01-02
//	timestamp                   2006-01-02T15:04:05.000000Z (RFC 3339, UTC, microseconds)
//	timestamp_ntz               2006-01-02T15:04:05.000000 (no zone)
//	decimal(p,s)                digits with exactly s decimals, no precision lost
//	array, map, struct          JSON, as sink.JSONValue renders it
//
// The file is streamed to blob.Store.Put through a pipe: a local folder writes
// a temporary file and renames it, S3 stores one object, so readers see the
// old file or the whole new one. CSV has no FileCopier and no incremental
// loads.
//
// # delta
//
// Table T is a Delta table at T/, written with package delta. A missing
// table is created with the load's columns and delta.enableChangeDataFeed=true:
// by a full load when it begins (so it shows empty until the load commits, and
// an aborted first load deletes it again), by an incremental load at Commit,
// just before its merge. A full load streams its rows into one Overwrite commit
// (OverwriteSchema when the columns changed); files given to CopyFile are
// stored under T/ and added by that same commit with their size and
// statistics. Readers see the previous version until the commit. Files of
// replaced versions stay (time travel) until the table is vacuumed.
//
// An incremental load needs Table.Key (without one BeginIncremental returns
// an error wrapping sink.ErrNoIncremental). Its upserts and deletes are kept
// in memory until Commit, where the last operation on each key wins, so a
// delete followed by an upsert of the same key (or the reverse) ends as the
// later one; Commit then applies them with one delta Merge, which writes
// change data files. Columns of Table.Schema the table lacks (nullable ones)
// are added by a schema update commit just before. Memory is bounded by the
// size of one load's changes, not of the table.
//
// Table names are single path segments not starting with "_" or ".". Errors
// name the table and what failed. Loads of different tables may run at once,
// but one process at a time writes to a store: a Begin discards the staged
// files of any other load of its table it does not know of.
package files

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
)

// Format is how a Sink stores its tables.
type Format string

// The formats a Sink writes (see the package documentation).
const (
	Parquet Format = "parquet"
	CSV     Format = "csv"
	Delta   Format = "delta"
)

// ParseFormat returns the format a configuration names: "parquet" (also the
// empty string), "csv" or "delta", in any case.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "":
		return Parquet, nil
	case Parquet, CSV, Delta:
		return f, nil
	}
	return "", fmt.Errorf("files sink: unknown format %q; use parquet, csv or delta", s)
}

// StagingDir is the folder, at the root of the store, where full loads of
// the parquet format stage their files until Commit.
const StagingDir = "_trestle_staging"

// Sink keeps tables as files in a blob.Store. It is safe for concurrent use
// by loads of different tables.
type Sink struct {
	store  blob.Store
	format Format
	// rowsPerFile rolls part files (parquet) and data files (delta).
	rowsPerFile int64

	mu     sync.Mutex
	active map[string]bool // runDir of each parquet full load in progress
}

var _ sink.Sink = (*Sink)(nil)

// New returns a Sink writing tables in format f into store. For the parquet
// format it first completes or discards the loads a previous process left
// half done (see the package documentation).
func New(ctx context.Context, store blob.Store, f Format) (*Sink, error) {
	if store == nil {
		return nil, errors.New("files sink: no store")
	}
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	s := &Sink{store: store, format: f, rowsPerFile: delta.DefaultRowsPerFile, active: map[string]bool{}}
	if f == Parquet {
		if err := s.recoverAll(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Format is the format the sink writes.
func (s *Sink) Format() Format { return s.format }

// Store is the store the sink writes to.
func (s *Sink) Store() blob.Store { return s.store }

// Close releases nothing: the store belongs to the caller.
func (s *Sink) Close() error { return nil }

// BeginFull starts a full load of t (see the package documentation for what
// each format does).
func (s *Sink) BeginFull(ctx context.Context, t sink.Table) (sink.Load, error) {
	if err := s.checkTable(t); err != nil {
		return nil, err
	}
	switch s.format {
	case CSV:
		return s.beginCSV(ctx, t)
	case Delta:
		return s.beginDeltaFull(ctx, t)
	}
	return s.beginParquet(ctx, t)
}

// BeginIncremental starts applying changes to t: delta tables with a key
// only; the other formats and keyless tables give an error wrapping
// sink.ErrNoIncremental.
func (s *Sink) BeginIncremental(ctx context.Context, t sink.Table) (sink.Load, error) {
	if err := s.checkTable(t); err != nil {
		return nil, err
	}
	switch {
	case s.format != Delta:
		if s.format == Parquet {
			// Finish what a crashed load left, as every Begin does.
			if err := s.recoverTable(ctx, t.Name); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("keeps table %s as %s files of the whole table: %w", t.Name, s.format, sink.ErrNoIncremental)
	case len(t.Key) == 0:
		return nil, fmt.Errorf("has no primary key for table %s to apply changes by: %w", t.Name, sink.ErrNoIncremental)
	}
	return s.beginDeltaIncremental(ctx, t)
}

// checkTable checks the table's name and schema.
func (s *Sink) checkTable(t sink.Table) error {
	if err := checkName(t.Name); err != nil {
		return err
	}
	if t.Schema == nil || t.Schema.NumFields() == 0 {
		return fmt.Errorf("files sink: table %s has no columns", t.Name)
	}
	if _, err := datafile.DeltaSchema(t.Schema); err != nil {
		return fmt.Errorf("files sink: table %s: %w", t.Name, err)
	}
	for _, k := range t.Key {
		if len(t.Schema.FieldIndices(k)) != 1 {
			return fmt.Errorf("files sink: table %s: key column %q is not in the schema", t.Name, k)
		}
	}
	return nil
}

// checkName checks that a table name is one path segment not reserved for
// staging or hidden files.
func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("files sink: invalid table name %q: %s", name, why) }
	switch {
	case name == "":
		return bad("empty")
	case strings.Contains(name, "/"):
		return bad(`it contains "/"; a table name is a single file or folder name`)
	case strings.HasPrefix(name, "_"), strings.HasPrefix(name, "."):
		return bad(`names starting with "_" or "." are reserved (staging, hidden files) and skipped by readers`)
	}
	if err := blob.CheckKey(name); err != nil {
		return bad(err.Error())
	}
	return nil
}

// errDone is returned by a load's methods after Commit or Abort.
func errDone(table, method string) error {
	return fmt.Errorf("files sink: table %s: %s after Commit or Abort", table, method)
}

// deletePrefix deletes every object whose key starts with prefix.
func deletePrefix(ctx context.Context, store blob.Store, prefix string) error {
	var keys []string
	for info, err := range store.List(ctx, prefix, "") {
		if err != nil {
			return err
		}
		keys = append(keys, info.Key)
	}
	return deleteKeys(ctx, store, keys)
}

// hasPrefix reports whether any object's key starts with prefix.
func hasPrefix(ctx context.Context, store blob.Store, prefix string) (bool, error) {
	for _, err := range store.List(ctx, prefix, "") {
		return err == nil, err
	}
	return false, nil
}
