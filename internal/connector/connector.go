// Package connector is the sync engine of "trestle connector": it reads
// tables shared over Delta Sharing (any server) and lands them in a
// destination through the sink.Sink seam.
//
// For each table it decides (see Plan) between a full load — every data file
// of the latest snapshot, streamed into a staging area the destination swaps
// in atomically — and an incremental one — the change data feed since the
// version the destination holds, applied by primary key — and falls back to
// a full load, saying why, when changes cannot be applied (no change data
// feed, no key, a schema change other than added columns, a destination that
// keeps whole-table snapshots). Data files download in parallel and are read
// row group by row group: a table is never held in memory. Plain Parquet
// files whose columns are the table's are handed to destinations that store
// Parquet (sink.FileCopier) byte for byte.
//
// What each destination holds is recorded in the state file (package state)
// only after the destination committed, so a sync killed at any point leaves
// the previous complete table and the next run does the work again.
package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// Defaults of a sync.
const (
	DefaultConcurrency = 2 // tables at once
	DefaultDownloads   = 4 // data files of one table at once
)

// Options are what a sync needs.
type Options struct {
	// Client reads the shares.
	Client *client.Client
	// Sink is the destination.
	Sink sink.Sink
	// State records what the destination holds; it is updated as tables
	// commit.
	State *state.File
	// Config is the connector's config.yaml (tables, mode, keys, names,
	// concurrency).
	Config *config.Config
	// Tables, when set, restricts the sync to these tables
	// (share.schema.table), which need not be in the config's list.
	Tables []string
	// Full reloads every table entirely.
	Full bool
	// TempDir holds downloaded data files too big to keep in memory (the
	// system's temporary folder when "").
	TempDir string
	// Log receives progress and decisions (slog.Default when nil).
	Log *slog.Logger
	// Observer is told of each table's progress (none when nil).
	Observer Observer

	// memLimit overrides the in-memory download limit (tests: -1 sends every
	// file to disk or straight to the destination).
	memLimit int64
}

// Observer follows a sync, for progress bars. Calls for different tables
// may come from different goroutines at once.
type Observer interface {
	// TableStarted is called once the plan and the files are known; bytes
	// is the total to download (0 for a table that is up to date).
	TableStarted(table string, p Plan, files int, bytes int64)
	// Progress reports bytes downloaded and rows loaded since the last call.
	Progress(table string, bytes, rows int64)
	// TableDone is called when the table committed, was skipped, or failed.
	TableDone(r TableResult)
}

// TableResult is what happened to one table.
type TableResult struct {
	// Table is share.schema.table; Destination the destination table.
	Table       string
	Destination string
	// Plan is how it was synced (after any fallback) and why.
	Plan Plan
	// Fallback, when set, says why an incremental sync became a full one.
	Fallback string
	// Version is the table version the destination now holds.
	Version int64
	// Rows written (a full load: the table's rows; incremental: rows
	// upserted) and rows deleted.
	Rows, Deleted int64
	// Files downloaded, of which Copied were handed over as they were, and
	// their bytes.
	Files, Copied int
	Bytes         int64
	// Duration of the table's sync.
	Duration time.Duration
	// Err is why the table failed (nil when it synced).
	Err error
}

// Report is the outcome of a sync.
type Report struct {
	Tables []TableResult
}

// Failed lists the tables that failed.
func (r *Report) Failed() []TableResult {
	var out []TableResult
	for _, t := range r.Tables {
		if t.Err != nil {
			out = append(out, t)
		}
	}
	return out
}

// Sync syncs the selected tables, Config.Concurrency at a time, and reports
// on each. A table's failure does not stop the others; the error returned is
// for failures before any table could start (listing the tables).
func Sync(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	tables, err := selectTables(ctx, o)
	if err != nil {
		return nil, err
	}
	conc := cmp.Or(o.Config.Concurrency, DefaultConcurrency)
	results := make([]TableResult, len(tables))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, t := range tables {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				results[i] = TableResult{Table: t.String(), Err: ctx.Err()}
				return
			}
			results[i] = syncTable(ctx, o, t)
		})
	}
	wg.Wait()
	return &Report{Tables: results}, nil
}

// selectTables is Options.Tables, else the config's tables, else every table
// the profile can read.
func selectTables(ctx context.Context, o Options) ([]client.Table, error) {
	names := o.Tables
	if len(names) == 0 {
		names = o.Config.Tables
	}
	if len(names) == 0 {
		all, err := o.Client.AllTables(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the shared tables: %w", err)
		}
		if len(all) == 0 {
			return nil, errors.New("the profile gives access to no table: ask the data provider to share some")
		}
		return all, nil
	}
	out := make([]client.Table, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		t, err := client.ParseTable(n)
		if err != nil {
			return nil, err
		}
		if !seen[t.String()] {
			seen[t.String()] = true
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b client.Table) int { return cmp.Compare(a.String(), b.String()) })
	return out, nil
}
