package delta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"path"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// DefaultRowsPerFile is how many rows a data file written by Append, Overwrite
// or Merge holds at most when WriteOptions.RowsPerFile is zero.
const DefaultRowsPerFile = 1_000_000

// WriteOptions tunes Append, Overwrite and Merge. The zero value is the
// defaults.
type WriteOptions struct {
	// RowsPerFile rolls to a new data file after this many rows
	// (DefaultRowsPerFile when zero or negative).
	RowsPerFile int64
	// File tunes the Parquet writer of each data file.
	File datafile.Options
	// newSchema is set by OverwriteSchema.
	newSchema *schema.StructType
	// Txn, when set, is committed with the data as a txn action, making the
	// write idempotent: an application records how far it got (Txn.Version, for
	// example the last source sequence number the write contains) atomically with
	// the rows. When the table already holds Txn.AppID at Txn.Version or later,
	// the write commits nothing, deletes the files it wrote and returns an error
	// wrapping ErrTxnApplied (an Overwrite may repeat the same version). Read the progress back with
	// Snapshot.AppTransaction.
	Txn *Txn
	// AddFiles, when set, is called by Append, Overwrite and OverwriteSchema
	// once the batches are written, just before committing, and returns data
	// files the caller stored under the table root itself (see AddedFile);
	// the commit adds them with the files written. They are the caller's: a
	// failed write does not delete them. Merge ignores AddFiles.
	AddFiles func() ([]AddedFile, error)
}

// txnActions checks opts.Txn against the snapshot about to be committed on and
// returns the txn action to add, if any. An overwrite replaces the whole table,
// so it may repeat the version the table holds (a rebuild of the same state).
func (o WriteOptions) txnActions(snap *Snapshot, ts int64, overwrite bool) ([]Action, error) {
	if o.Txn == nil {
		return nil, nil
	}
	if have, ok := snap.AppTransaction(o.Txn.AppID); ok && (have.Version > o.Txn.Version ||
		have.Version == o.Txn.Version && !overwrite) {
		return nil, fmt.Errorf("%w: %s is at version %d in table version %d (this write: %d)",
			ErrTxnApplied, o.Txn.AppID, have.Version, snap.Version, o.Txn.Version)
	}
	txn := *o.Txn
	txn.LastUpdated = &ts
	return []Action{{Txn: &txn}}, nil
}

func (o WriteOptions) rowsPerFile() int64 {
	if o.RowsPerFile <= 0 {
		return DefaultRowsPerFile
	}
	return o.RowsPerFile
}

// ChangeDataDir is the folder, under the table root, of change data files.
const ChangeDataDir = "_change_data"

// writtenFile is one file a rollingWriter stored: its path relative to the
// table root and what the Parquet writer reported.
type writtenFile struct {
	rel  string
	info datafile.FileInfo
}

// rollingWriter writes record batches into a sequence of Parquet files under
// the table root, starting a new file every rowsPerFile rows.
type rollingWriter struct {
	ctx     context.Context
	t       *Table
	schema  *arrow.Schema
	opts    WriteOptions
	dir     string // "" for data files, ChangeDataDir for change data
	cur     *datafile.Writer
	curRel  string
	curRows int64
	files   []writtenFile
}

func (t *Table) newRollingWriter(ctx context.Context, s *arrow.Schema, dir string, opts WriteOptions) *rollingWriter {
	return &rollingWriter{ctx: ctx, t: t, schema: s, opts: opts, dir: dir}
}

func (w *rollingWriter) fileName() string {
	if w.dir == ChangeDataDir {
		return path.Join(ChangeDataDir, "cdc-"+newGUID()+".c000.zstd.parquet")
	}
	return fmt.Sprintf("part-%05d-%s.c000.zstd.parquet", len(w.files), newGUID())
}

// write appends rec, splitting it across files at the row limit. The caller
// keeps its reference to rec.
func (w *rollingWriter) write(rec arrow.RecordBatch) error {
	limit := w.opts.rowsPerFile()
	for off := int64(0); off < rec.NumRows(); {
		if w.cur == nil {
			rel := w.fileName()
			key, err := w.t.DataKey(EncodePath(rel))
			if err != nil {
				return err
			}
			fw, err := datafile.NewWriter(w.ctx, w.t.store, key, w.schema, w.opts.File)
			if err != nil {
				return err
			}
			w.cur, w.curRel, w.curRows = fw, rel, 0
		}
		n := min(rec.NumRows()-off, limit-w.curRows)
		part := rec
		if off != 0 || n != rec.NumRows() {
			part = rec.NewSlice(off, off+n)
		}
		err := w.cur.Write(part)
		if part != rec {
			part.Release()
		}
		if err != nil {
			return err
		}
		off += n
		w.curRows += n
		if w.curRows >= limit {
			if err := w.finish(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *rollingWriter) finish() error {
	if w.cur == nil {
		return nil
	}
	info, err := w.cur.Close()
	w.cur = nil
	if err != nil {
		return err
	}
	w.files = append(w.files, writtenFile{rel: w.curRel, info: info})
	return nil
}

// close finishes the current file and returns every file written.
func (w *rollingWriter) close() ([]writtenFile, error) {
	if err := w.finish(); err != nil {
		return nil, err
	}
	return w.files, nil
}

// abort drops the file being written and deletes the files already stored.
func (w *rollingWriter) abort() {
	if w.cur != nil {
		w.cur.Abort()
		w.cur = nil
	}
	for _, f := range w.files {
		_ = w.t.store.Delete(context.WithoutCancel(w.ctx), f.info.Key)
	}
	w.files = nil
}

func (f writtenFile) add(ts int64) Action {
	return Action{Add: &Add{
		Path:             EncodePath(f.rel),
		PartitionValues:  map[string]string{},
		Size:             f.info.Size,
		ModificationTime: ts,
		DataChange:       true,
		Stats:            f.info.Stats.JSON(),
	}}
}

func (f writtenFile) cdc() Action {
	return Action{CDC: &AddCDCFile{Path: EncodePath(f.rel), PartitionValues: map[string]string{}, Size: f.info.Size}}
}

// writeSchema returns the Arrow schema of the latest snapshot, refusing tables
// this package cannot write data files for (partitioned tables).
func (t *Table) writeSchema(ctx context.Context) (*Snapshot, *arrow.Schema, error) {
	snap, err := t.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(snap.Metadata.PartitionColumns) > 0 {
		return nil, nil, fmt.Errorf("delta: writing data files of partitioned tables is not supported (%q)", t.root)
	}
	as, err := snap.ArrowSchema()
	if err != nil {
		return nil, nil, err
	}
	return snap, as, nil
}

// Append writes the batches into new data files and commits them in one
// commit (operation "WRITE"). The table must exist (else an error wrapping
// ErrTableNotFound) and not be partitioned; every batch must have the table's
// Arrow schema (datafile.ArrowSchema). It returns the committed version. On
// failure the files written are deleted.
func (t *Table) Append(ctx context.Context, batches iter.Seq2[arrow.RecordBatch, error], opts WriteOptions) (int64, error) {
	return t.write(ctx, batches, opts, false)
}

// Overwrite is Append that also removes every file of the table, in the same
// commit (operation "WRITE", mode Overwrite): afterwards the table holds only
// the given rows.
func (t *Table) Overwrite(ctx context.Context, batches iter.Seq2[arrow.RecordBatch, error], opts WriteOptions) (int64, error) {
	return t.write(ctx, batches, opts, true)
}

// OverwriteSchema is Overwrite that also replaces the table's schema with s
// (overwriteSchema): the batches have s's Arrow schema, and the commit carries
// a metaData action with s, keeping the table's id, partitioning (none) and
// configuration.
func (t *Table) OverwriteSchema(ctx context.Context, s *schema.StructType, batches iter.Seq2[arrow.RecordBatch, error], opts WriteOptions) (int64, error) {
	opts.newSchema = s
	return t.write(ctx, batches, opts, true)
}

func (t *Table) write(ctx context.Context, batches iter.Seq2[arrow.RecordBatch, error], opts WriteOptions, overwrite bool) (int64, error) {
	snap, as, err := t.writeSchema(ctx)
	if err != nil {
		return -1, err
	}
	if _, err := opts.txnActions(snap, 0, overwrite); err != nil {
		return -1, err
	}
	var meta *Metadata
	if opts.newSchema != nil {
		m := snap.Metadata
		b, err := json.Marshal(opts.newSchema)
		if err != nil {
			return -1, fmt.Errorf("delta: new schema: %w", err)
		}
		m.SchemaString = string(b)
		if as, err = datafile.ArrowSchema(opts.newSchema); err != nil {
			return -1, err
		}
		meta = &m
	}
	w := t.newRollingWriter(ctx, as, "", opts)
	fail := func(err error) (int64, error) {
		w.abort()
		return -1, err
	}
	for rec, err := range pipelined(batches) {
		if err != nil {
			return fail(err)
		}
		if !rec.Schema().Equal(as) {
			return fail(fmt.Errorf("delta: batch schema %s does not match the table's %s", rec.Schema(), as))
		}
		if err := w.write(rec); err != nil {
			return fail(err)
		}
	}
	files, err := w.close()
	if err != nil {
		return fail(err)
	}
	added, err := opts.addedFiles()
	if err != nil {
		return fail(err)
	}
	mode := "Append"
	if overwrite {
		mode = "Overwrite"
	}
	v, err := t.CommitWithRetry(ctx, func(snap *Snapshot) ([]Action, error) {
		ts := nowMillis()
		actions := []Action{{CommitInfo: &CommitInfo{Operation: "WRITE",
			OperationParameters: map[string]any{"mode": mode}}}}
		txn, err := opts.txnActions(snap, ts, overwrite)
		if err != nil {
			return nil, err
		}
		actions = append(actions, txn...)
		if meta != nil {
			actions = append(actions, Action{Metadata: meta})
		}
		if overwrite {
			for _, a := range snap.Files() {
				r := a.Remove(ts, true)
				actions = append(actions, Action{Remove: &r})
			}
		}
		for _, f := range files {
			actions = append(actions, f.add(ts))
		}
		for _, f := range added {
			actions = append(actions, f.add(ts))
		}
		return actions, nil
	})
	if err != nil {
		return fail(err)
	}
	return v, nil
}

// Scan yields the rows of a snapshot's data files, file by file in path order,
// as batches of the table's Arrow schema. Each batch is released when the loop
// body returns: Retain it to keep it.
func (t *Table) Scan(ctx context.Context, snap *Snapshot) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		as, err := snap.ArrowSchema()
		if err != nil {
			yield(nil, err)
			return
		}
		for _, a := range snap.Files() {
			if !t.readFile(ctx, a.Path, as, yield) {
				return
			}
		}
	}
}

// readFile yields the batches of the file an action path names, relabelled
// with schema s. It returns false when the caller stopped or an error was
// yielded.
func (t *Table) readFile(ctx context.Context, actionPath string, s *arrow.Schema,
	yield func(arrow.RecordBatch, error) bool) bool {
	key, err := t.DataKey(actionPath)
	if err != nil {
		yield(nil, err)
		return false
	}
	r, err := datafile.Open(ctx, t.store, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotExist) {
			err = fmt.Errorf("delta: data file %s is missing (vacuumed?): %w", key, err)
		}
		yield(nil, err)
		return false
	}
	defer r.Close()
	for rec, err := range r.Batches(ctx, 0) {
		if err != nil {
			yield(nil, err)
			return false
		}
		out, err := conformFile(key, rec, s)
		if err != nil {
			yield(nil, err)
			return false
		}
		ok := yield(out, nil)
		out.Release()
		if !ok {
			return false
		}
	}
	return true
}
