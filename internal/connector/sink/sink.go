// Package sink is the seam between the connector's sync engine and its
// destinations. A destination implements [Sink]; every table load goes through a
// [Load], which stages rows and makes them visible all at once on Commit.
//
// Rows travel as Arrow record batches whose schemas come from
// datafile.ArrowSchema (the Delta to Arrow mapping). Each destination package
// documents how it maps those Arrow types to its own, and must pass the shared
// conformance suite in package sinktest.
package sink

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Table describes a destination table.
type Table struct {
	Name   string        // destination table name, already chosen by the caller (e.g. "demo__people")
	Schema *arrow.Schema // columns
	Key    []string      // primary-key columns, for incremental loads; may be empty
}

// Sink is one destination (a database schema, a folder ...).
type Sink interface {
	// BeginFull starts a full load: rows go to a staging area; Commit replaces the table (schema included) atomically, so readers never see a half-loaded table.
	BeginFull(ctx context.Context, t Table) (Load, error)
	// BeginIncremental starts applying changes to an existing table (created if missing; columns of t.Schema the table lacks are added first).
	BeginIncremental(ctx context.Context, t Table) (Load, error)
	// Close releases the destination.
	Close() error
}

// Load is one table's load in progress; not safe for concurrent use.
type Load interface {
	// Write adds rows: inserts in a full load, upserts by key in an incremental one.
	Write(ctx context.Context, rec arrow.RecordBatch) error
	// Delete removes the rows whose key equals a row of keys (a batch holding the key columns); incremental loads only.
	Delete(ctx context.Context, keys arrow.RecordBatch) error
	// Commit makes the load visible, all at once.
	Commit(ctx context.Context) error
	// Abort discards the load; the table keeps its previous content. Safe after Commit (no-op).
	Abort(ctx context.Context) error
}

// ErrNoIncremental is returned (wrapped) by BeginIncremental of destinations
// that hold whole-table snapshots and cannot apply changes in place (Parquet or
// CSV files); the sync engine then runs a full load and says why.
var ErrNoIncremental = errors.New("this destination cannot apply changes in place; it reloads whole tables")

// ErrCopyUnsupported is returned (wrapped) by FileCopier.CopyFile when the Load
// cannot take that file as it is; the engine then sends the file's rows
// through Write instead.
var ErrCopyUnsupported = errors.New("this load cannot take the file as it is")

// DataFile describes a shared Parquet data file handed to a FileCopier.
type DataFile struct {
	// Name is a name for the file, unique within the load, ending in ".parquet".
	Name string
	// Size is its length in bytes.
	Size int64
	// Rows is its row count (-1 when unknown).
	Rows int64
	// Stats is the file's Delta statistics as JSON ("" when unknown).
	Stats string
}

// FileCopier is an optional ability of a full Load that stores Parquet files
// (a folder of Parquet files, a Delta table): it takes a shared data file byte
// for byte instead of its decoded rows, which is much faster. The engine
// calls it only for plain Parquet files whose columns are exactly the load's
// Table.Schema (no partition columns, no column mapping); r yields exactly
// f.Size bytes. Calls may be made concurrently from several goroutines, but
// never concurrently with Write, Commit or Abort.
type FileCopier interface {
	CopyFile(ctx context.Context, f DataFile, r io.Reader) error
}
