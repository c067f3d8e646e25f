package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// tableSync is one table's sync in progress.
type tableSync struct {
	o     Options
	t     client.Table
	name  string // share.schema.table
	log   *slog.Logger
	res   *TableResult
	mem   memory.Allocator
	start time.Time
	mu    sync.Mutex // guards res counters updated by concurrent copies
}

// syncTable syncs one table and reports on it; it never panics the sync
// for one table's sake.
func syncTable(ctx context.Context, o Options, t client.Table) (res TableResult) {
	ts := &tableSync{o: o, t: t, name: t.String(), mem: memory.DefaultAllocator, start: time.Now()}
	ts.log = o.Log.With("table", ts.name)
	ts.res = &res
	res.Table = ts.name
	res.Destination = destName(o.Config.TableNames, t.Share, t.Schema, t.Name)
	defer func() {
		res.Duration = time.Since(ts.start)
		switch {
		case res.Err != nil:
			res.Err = fmt.Errorf("%s: %w", ts.name, res.Err)
			ts.log.Error("table failed", "err", res.Err, "after", res.Duration.Round(time.Millisecond))
		case res.Plan.Mode != ModeSkip:
			ts.log.Info("table synced", "mode", res.Plan.Mode, "version", res.Version, "rows", res.Rows, "deleted", res.Deleted,
				"files", res.Files, "copied", res.Copied, "bytes", res.Bytes, "took", res.Duration.Round(time.Millisecond))
		}
		if o.Observer != nil {
			o.Observer.TableDone(res)
		}
	}()
	res.Err = ts.run(ctx)
	return res
}

// run plans the table and syncs it.
func (ts *tableSync) run(ctx context.Context) error {
	info, err := ts.o.Client.Metadata(ctx, ts.t, client.MetadataOptions{})
	if err != nil {
		return fmt.Errorf("read the table's metadata: %w", err)
	}
	s, as, err := tableSchema(info.Metadata)
	if err != nil {
		return err
	}
	key, err := primaryKey(ts.o.Config.Keys[ts.name], info.Metadata.Configuration, s)
	if err != nil {
		return err
	}
	prev, hasPrev := ts.o.State.Get(ts.name)
	p := decide(planInput{prev: prev, hasPrev: hasPrev, forceFull: ts.o.Full, modeFull: ts.o.Config.Mode == ModeFull,
		version: info.Version, schema: info.Metadata.SchemaString, config: info.Metadata.Configuration,
		key: key, dest: ts.res.Destination})
	ts.res.Plan = p
	tbl := sink.Table{Name: ts.res.Destination, Schema: as, Key: key}
	switch p.Mode {
	case ModeSkip:
		ts.res.Version = info.Version
		ts.log.Info("table is up to date", "version", info.Version)
		if ts.o.Observer != nil {
			ts.o.Observer.TableStarted(ts.name, p, 0, 0)
		}
		return nil
	case ModeIncremental:
		err := ts.incremental(ctx, tbl, info)
		var fb *fallback
		if !errors.As(err, &fb) {
			return err
		}
		ts.res.Fallback = fb.reason
		ts.res.Plan = Plan{Mode: ModeFull, Reason: fb.reason}
		ts.log.Info("reloading the whole table instead of applying changes", "why", fb.reason)
	}
	return ts.full(ctx, tbl.Key, info.Metadata.SchemaString)
}

// fallback is why an incremental sync cannot run: the engine runs a full one.
type fallback struct{ reason string }

func (f *fallback) Error() string { return f.reason }

// tableSchema parses a table's schema and maps it to Arrow, refusing what
// this client cannot read.
func tableSchema(m client.Metadata) (*schema.StructType, *arrow.Schema, error) {
	if mode := m.ColumnMappingMode(); mode != "" && mode != "none" {
		return nil, nil, fmt.Errorf("the table uses column mapping (mode %s), which this connector cannot read yet", mode)
	}
	if f := m.Format.Provider; f != "" && f != "parquet" {
		return nil, nil, fmt.Errorf("the table's files are %s, not Parquet", f)
	}
	s, err := m.Schema()
	if err != nil {
		return nil, nil, fmt.Errorf("the table's schema cannot be read: %w", err)
	}
	as, err := datafile.ArrowSchema(s)
	if err != nil {
		return nil, nil, fmt.Errorf("the table's schema: %w", err)
	}
	return s, as, nil
}

// commitState records what the destination now holds.
func (ts *tableSync) commitState(mode string, version int64, schemaString string, key []string) error {
	ts.res.Version = version
	return ts.o.State.Set(ts.name, state.Table{
		Version: version, Mode: mode, Rows: ts.res.Rows, Deleted: ts.res.Deleted,
		SchemaHash: schemaHash(schemaString), Schema: schemaString, Key: key,
		SyncedAt: time.Now().UTC(), Destination: ts.res.Destination,
	})
}

// downloader returns a downloader for files that a refresher renews.
func (ts *tableSync) downloader(r *client.Refresher) *downloader {
	d := &downloader{refresher: r, workers: cmp.Or(ts.o.Config.Downloads, DefaultDownloads), tmpDir: ts.o.TempDir, memLimit: memLimit}
	if ts.o.memLimit != 0 {
		d.memLimit = ts.o.memLimit
	}
	d.onBytes = func(n int64) {
		if ts.o.Observer != nil {
			ts.o.Observer.Progress(ts.name, n, 0)
		}
	}
	return d
}

// addRows counts rows loaded.
func (ts *tableSync) addRows(n int64) {
	ts.mu.Lock()
	ts.res.Rows += n
	ts.mu.Unlock()
	if ts.o.Observer != nil && n > 0 {
		ts.o.Observer.Progress(ts.name, 0, n)
	}
}

// started tells the observer the plan and the files.
func (ts *tableSync) started(files []client.File) {
	var bytes int64
	for _, f := range files {
		bytes += max(f.Size, 0)
	}
	ts.res.Files = len(files)
	ts.res.Bytes = bytes
	ts.log.Info("syncing table", "mode", ts.res.Plan.Mode, "why", ts.res.Plan.Reason, "files", len(files), "bytes", bytes,
		"destination", ts.res.Destination)
	if ts.o.Observer != nil {
		ts.o.Observer.TableStarted(ts.name, ts.res.Plan, len(files), bytes)
	}
}

// collect reads every file of a stream (descriptors only, not data).
func collect(s *client.Stream) ([]client.File, error) {
	var files []client.File
	for f, err := range s.Files() {
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}
