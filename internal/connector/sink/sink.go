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
