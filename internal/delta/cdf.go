package delta

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Columns the change data feed adds besides ChangeTypeColumn.
const (
	CommitVersionColumn   = "_commit_version"
	CommitTimestampColumn = "_commit_timestamp"
)

// ChangeFile is one file to read for a version's change data.
type ChangeFile struct {
	// Path is the action's (encoded) path, relative to the table root.
	Path string
	// CDC says the file is a change data file whose rows carry their own
	// _change_type; otherwise every row of the file has ChangeType.
	CDC bool
	// ChangeType is ChangeInsert (an added file) or ChangeDelete (a removed
	// file) when CDC is false.
	ChangeType string
}

// VersionChanges is the change data of one commit.
type VersionChanges struct {
	Version   int64
	Timestamp time.Time
	Files     []ChangeFile
}

// Changes returns, for each version from start to end inclusive (end < 0: the
// latest), the files holding its changes, following the protocol's reader
// requirements for AddCDCFile: a commit with cdc actions is read from its
// change data files only; otherwise its add actions with dataChange true count
// as inserted rows and its remove actions with dataChange true as deleted ones.
// Versions whose commits are gone from the log are an error.
func (t *Table) Changes(ctx context.Context, start, end int64) ([]VersionChanges, error) {
	if start < 0 || (end >= 0 && end < start) {
		return nil, fmt.Errorf("%w: versions %d to %d", ErrVersionNotFound, start, end)
	}
	entries, err := t.listCommits(ctx, start-1, end)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 || entries[0].version != start || (end >= 0 && entries[len(entries)-1].version != end) {
		return nil, fmt.Errorf("%w: versions %d to %d of table %q", ErrVersionNotFound, start, end, t.root)
	}
	commits, err := t.readCommits(ctx, entries)
	if err != nil {
		return nil, err
	}
	out := make([]VersionChanges, 0, len(commits))
	for _, c := range commits {
		vc := VersionChanges{Version: c.version, Timestamp: CommitTimestamp(commitInfoOf(c.actions), c.modTime)}
		var plain []ChangeFile
		for _, a := range c.actions {
			switch {
			case a.CDC != nil:
				vc.Files = append(vc.Files, ChangeFile{Path: a.CDC.Path, CDC: true})
			case a.Add != nil && a.Add.DataChange:
				plain = append(plain, ChangeFile{Path: a.Add.Path, ChangeType: ChangeInsert})
			case a.Remove != nil && a.Remove.DataChange:
				plain = append(plain, ChangeFile{Path: a.Remove.Path, ChangeType: ChangeDelete})
			}
		}
		if len(vc.Files) == 0 {
			vc.Files = plain
		}
		out = append(out, vc)
	}
	return out, nil
}

// ChangeSchema returns the schema of the batches ReadChanges yields: the
// table's Arrow schema followed by _change_type (string), _commit_version
// (int64) and _commit_timestamp (timestamp, microseconds, UTC).
func ChangeSchema(table *arrow.Schema) *arrow.Schema {
	fields := append(append([]arrow.Field{}, table.Fields()...),
		arrow.Field{Name: ChangeTypeColumn, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: CommitVersionColumn, Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: CommitTimestampColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}})
	return arrow.NewSchema(fields, nil)
}

// ReadChanges yields the change data of versions start to end (end < 0: the
// latest) as batches of ChangeSchema of the table's schema at the latest
// version. Each batch is released when the loop body returns. Reading a
// version whose files were vacuumed fails.
func (t *Table) ReadChanges(ctx context.Context, start, end int64) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		versions, err := t.Changes(ctx, start, end)
		if err != nil {
			yield(nil, err)
			return
		}
		snap, err := t.Snapshot(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		as, err := snap.ArrowSchema()
		if err != nil {
			yield(nil, err)
			return
		}
		out := ChangeSchema(as)
		cs := cdcSchema(as)
		for _, vc := range versions {
			for _, f := range vc.Files {
				s := as
				if f.CDC {
					s = cs
				}
				ok := t.readFile(ctx, f.Path, s, func(rec arrow.RecordBatch, err error) bool {
					if err != nil {
						return yield(nil, err)
					}
					b := withChangeColumns(out, rec, f, vc)
					ok := yield(b, nil)
					b.Release()
					return ok
				})
				if !ok {
					return
				}
			}
		}
	}
}

// withChangeColumns appends the change columns to a data or change data batch.
func withChangeColumns(out *arrow.Schema, rec arrow.RecordBatch, f ChangeFile, vc VersionChanges) arrow.RecordBatch {
	n := int(rec.NumRows())
	mem := memory.DefaultAllocator
	cols := append([]arrow.Array{}, rec.Columns()...)
	var made []arrow.Array
	if !f.CDC {
		sb := array.NewStringBuilder(mem)
		for range n {
			sb.Append(f.ChangeType)
		}
		made = append(made, sb.NewArray())
		sb.Release()
	}
	vb := array.NewInt64Builder(mem)
	tb := array.NewTimestampBuilder(mem, out.Field(out.NumFields()-1).Type.(*arrow.TimestampType))
	ts := arrow.Timestamp(vc.Timestamp.UnixMicro())
	for range n {
		vb.Append(vc.Version)
		tb.Append(ts)
	}
	made = append(made, vb.NewArray(), tb.NewArray())
	vb.Release()
	tb.Release()
	cols = append(cols, made...)
	b := array.NewRecordBatch(out, cols, int64(n))
	for _, a := range made {
		a.Release()
	}
	return b
}
