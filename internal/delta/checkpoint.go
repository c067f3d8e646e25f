package delta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/delta/datafile"
)

// Checkpoints (issue 3). A classic checkpoint of version n is the Parquet file
// _delta_log/<n, 20 digits>.checkpoint.parquet following the V1 spec of the
// protocol: one row per action of the reconciled state at version n (protocol,
// metaData, txn, add, and the remove tombstones that have not expired), each
// action a struct column of its own with the other columns null. Commit
// provenance (commitInfo) and change data (cdc) are not kept.

// CheckpointFileName returns the name, within the log folder, of version v's
// classic checkpoint.
func CheckpointFileName(v int64) string { return fmt.Sprintf("%020d.checkpoint.parquet", v) }

// checkpointRowGroupRows is the most rows a checkpoint row group holds; readers
// hold one row group in memory at a time. A variable so tests can make it small.
var checkpointRowGroupRows = 50_000

// CheckpointInfo describes a checkpoint written by WriteCheckpoint; it is also
// what _last_checkpoint records.
type CheckpointInfo struct {
	Version       int64 // the table version the checkpoint holds
	Size          int64 // number of actions (rows)
	SizeInBytes   int64 // size of the checkpoint file
	NumOfAddFiles int64 // number of add actions
}

// Arrow types of the checkpoint schema (PROTOCOL.md, "Checkpoint Schema").
var (
	ckStrMap  = arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)
	ckStrList = arrow.ListOf(arrow.BinaryTypes.String)
)

func ckField(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// checkpointSchema returns the Arrow schema of a V1 checkpoint. withStats says
// whether add.stats is a column (delta.checkpoint.writeStatsAsJson).
func checkpointSchema(withStats bool) *arrow.Schema {
	str, i64, i32, boolean := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Boolean
	addFields := []arrow.Field{
		ckField("path", str),
		ckField("partitionValues", ckStrMap),
		ckField("size", i64),
		ckField("modificationTime", i64),
		ckField("dataChange", boolean),
	}
	if withStats {
		addFields = append(addFields, ckField("stats", str))
	}
	addFields = append(addFields,
		ckField("tags", ckStrMap),
		ckField("baseRowId", i64),
		ckField("defaultRowCommitVersion", i64),
		ckField("clusteringProvider", str),
	)
	return arrow.NewSchema([]arrow.Field{
		ckField("txn", arrow.StructOf(
			ckField("appId", str),
			ckField("version", i64),
			ckField("lastUpdated", i64),
		)),
		ckField("add", arrow.StructOf(addFields...)),
		// The remove struct has no stats and tags: checkpoint tombstones serve
		// only VACUUM.
		ckField("remove", arrow.StructOf(
			ckField("path", str),
			ckField("deletionTimestamp", i64),
			ckField("dataChange", boolean),
			ckField("extendedFileMetadata", boolean),
			ckField("partitionValues", ckStrMap),
			ckField("size", i64),
			ckField("baseRowId", i64),
			ckField("defaultRowCommitVersion", i64),
		)),
		ckField("metaData", arrow.StructOf(
			ckField("id", str),
			ckField("name", str),
			ckField("description", str),
			ckField("format", arrow.StructOf(
				ckField("provider", str),
				ckField("options", ckStrMap),
			)),
			ckField("schemaString", str),
			ckField("partitionColumns", ckStrList),
			ckField("createdTime", i64),
			ckField("configuration", ckStrMap),
		)),
		ckField("protocol", arrow.StructOf(
			ckField("minReaderVersion", i32),
			ckField("minWriterVersion", i32),
			ckField("readerFeatures", ckStrList),
			ckField("writerFeatures", ckStrList),
		)),
	}, nil)
}

// Column positions in checkpointSchema.
const (
	ckTxn = iota
	ckAdd
	ckRemove
	ckMetadata
	ckProtocol
)

// Checkpoint writes a classic checkpoint of the snapshot s, which must have been
// read from this table, and then points _last_checkpoint at it unless that
// already names a newer checkpoint. Tombstones older than the table's
// delta.deletedFileRetentionDuration (default one week) are left out. Writing a
// checkpoint twice is harmless: both files hold the same state.
func (t *Table) Checkpoint(ctx context.Context, s *Snapshot) (CheckpointInfo, error) {
	if s == nil || s.Version < 0 || !s.hasProtocol || !s.hasMetadata {
		return CheckpointInfo{}, errors.New("delta: checkpoint of an empty snapshot")
	}
	if strings.EqualFold(s.Metadata.Configuration[configWriteStatsAsStruct], "true") {
		return CheckpointInfo{}, fmt.Errorf("delta: checkpoint of version %d: %s is true, and writing stats_parsed is not supported",
			s.Version, configWriteStatsAsStruct)
	}
	retention, err := s.Metadata.DeletedFileRetention()
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("delta: checkpoint of version %d: %w", s.Version, err)
	}
	data, info, err := encodeCheckpoint(s, time.Now().Add(-retention).UnixMilli())
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("delta: checkpoint of version %d: %w", s.Version, err)
	}
	key := t.logPrefix() + CheckpointFileName(s.Version)
	if err := t.store.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return CheckpointInfo{}, fmt.Errorf("delta: writing checkpoint of version %d: %w", s.Version, err)
	}
	if last, err := t.readLastCheckpoint(ctx); err == nil && last.Version > s.Version {
		return info, nil
	}
	if err := t.writeLastCheckpoint(ctx, info); err != nil {
		return info, err
	}
	return info, nil
}

// encodeCheckpoint renders the snapshot as checkpoint Parquet. Tombstones whose
// deletion time is before expireBefore (ms since the epoch), or unknown, are
// expired and left out.
func encodeCheckpoint(s *Snapshot, expireBefore int64) ([]byte, CheckpointInfo, error) {
	withStats := !strings.EqualFold(s.Metadata.Configuration[configWriteStatsAsJSON], "false")
	sc := checkpointSchema(withStats)
	codec, err := parquetCodec(s.Metadata.Configuration[configCompressionCodec])
	if err != nil {
		return nil, CheckpointInfo{}, err
	}
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(int64(checkpointRowGroupRows)),
	)
	fw, err := pqarrow.NewFileWriter(sc, &buf, props, pqarrow.NewArrowWriterProperties())
	if err != nil {
		return nil, CheckpointInfo{}, err
	}
	b := newCheckpointBuilder(sc, withStats)
	defer b.release()
	info := CheckpointInfo{Version: s.Version}
	flush := func(force bool) error {
		if b.rows == 0 || (!force && b.rows < checkpointRowGroupRows) {
			return nil
		}
		rec := b.rb.NewRecordBatch()
		defer rec.Release()
		info.Size += int64(b.rows)
		b.rows = 0
		return fw.Write(rec)
	}
	b.protocol(s.Protocol)
	b.metadata(&s.Metadata)
	for _, id := range slices.Sorted(maps.Keys(s.txns)) {
		b.txn(s.txns[id])
		if err := flush(false); err != nil {
			return nil, info, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.files)) {
		a := s.files[k]
		b.add(&a)
		info.NumOfAddFiles++
		if err := flush(false); err != nil {
			return nil, info, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.tombstones)) {
		r := s.tombstones[k]
		if r.DeletionTimestamp == nil || *r.DeletionTimestamp < expireBefore {
			continue // expired
		}
		b.remove(&r)
		if err := flush(false); err != nil {
			return nil, info, err
		}
	}
	if err := flush(true); err != nil {
		return nil, info, err
	}
	if err := fw.Close(); err != nil {
		return nil, info, err
	}
	info.SizeInBytes = int64(buf.Len())
	return buf.Bytes(), info, nil
}

// parquetCodec maps delta.parquet.compression.codec to a codec; absent means
// zstd, as the protocol recommends.
func parquetCodec(name string) (compress.Compression, error) {
	c, err := datafile.Codec(name)
	if err != nil {
		return compress.Codecs.Uncompressed, fmt.Errorf("%s: %w", configCompressionCodec, err)
	}
	return c, nil
}

// checkpointBuilder appends actions as rows; every row sets one struct column.
type checkpointBuilder struct {
	rb        *array.RecordBuilder
	withStats bool
	rows      int
}

func newCheckpointBuilder(sc *arrow.Schema, withStats bool) *checkpointBuilder {
	return &checkpointBuilder{rb: array.NewRecordBuilder(memory.DefaultAllocator, sc), withStats: withStats}
}

func (b *checkpointBuilder) release() { b.rb.Release() }

// row starts a row whose only non-null column is col and returns its builder.
func (b *checkpointBuilder) row(col int) *array.StructBuilder {
	for i := range b.rb.Schema().NumFields() {
		if i != col {
			b.rb.Field(i).AppendNull()
		}
	}
	b.rows++
	sb := b.rb.Field(col).(*array.StructBuilder)
	sb.Append(true)
	return sb
}

func (b *checkpointBuilder) txn(x Txn) {
	sb := b.row(ckTxn)
	putString(sb.FieldBuilder(0), x.AppID, true)
	sb.FieldBuilder(1).(*array.Int64Builder).Append(x.Version)
	putInt64(sb.FieldBuilder(2), x.LastUpdated)
}

func (b *checkpointBuilder) add(a *Add) {
	sb := b.row(ckAdd)
	i := 0
	next := func() array.Builder { f := sb.FieldBuilder(i); i++; return f }
	putString(next(), a.Path, true)
	putMap(next(), nonNilMap(a.PartitionValues))
	next().(*array.Int64Builder).Append(a.Size)
	next().(*array.Int64Builder).Append(a.ModificationTime)
	next().(*array.BooleanBuilder).Append(a.DataChange)
	if b.withStats {
		putString(next(), a.Stats, a.Stats != "")
	}
	putMap(next(), a.Tags)
	putInt64(next(), a.BaseRowID)
	putInt64(next(), a.DefaultRowCommitVersion)
	putString(next(), a.ClusteringProvider, a.ClusteringProvider != "")
}

func (b *checkpointBuilder) remove(r *Remove) {
	sb := b.row(ckRemove)
	putString(sb.FieldBuilder(0), r.Path, true)
	putInt64(sb.FieldBuilder(1), r.DeletionTimestamp)
	sb.FieldBuilder(2).(*array.BooleanBuilder).Append(r.DataChange)
	sb.FieldBuilder(3).(*array.BooleanBuilder).Append(r.ExtendedFileMetadata)
	putMap(sb.FieldBuilder(4), r.PartitionValues)
	putInt64(sb.FieldBuilder(5), r.Size)
	putInt64(sb.FieldBuilder(6), r.BaseRowID)
	putInt64(sb.FieldBuilder(7), r.DefaultRowCommitVersion)
}

func (b *checkpointBuilder) metadata(m *Metadata) {
	sb := b.row(ckMetadata)
	putString(sb.FieldBuilder(0), m.ID, true)
	putString(sb.FieldBuilder(1), m.Name, m.Name != "")
	putString(sb.FieldBuilder(2), m.Description, m.Description != "")
	fb := sb.FieldBuilder(3).(*array.StructBuilder)
	fb.Append(true)
	putString(fb.FieldBuilder(0), m.Format.Provider, true)
	putMap(fb.FieldBuilder(1), nonNilMap(m.Format.Options))
	putString(sb.FieldBuilder(4), m.SchemaString, true)
	putList(sb.FieldBuilder(5), nonNil(m.PartitionColumns))
	putInt64(sb.FieldBuilder(6), m.CreatedTime)
	putMap(sb.FieldBuilder(7), nonNilMap(m.Configuration))
}

func (b *checkpointBuilder) protocol(p Protocol) {
	sb := b.row(ckProtocol)
	sb.FieldBuilder(0).(*array.Int32Builder).Append(int32(p.MinReaderVersion))
	sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(p.MinWriterVersion))
	// readerFeatures (writerFeatures) must be non-null exactly when the reader
	// (writer) version is 3 (7); otherwise the columns are written null.
	if p.MinReaderVersion == 3 {
		putList(sb.FieldBuilder(2), nonNil(p.ReaderFeatures))
	} else {
		sb.FieldBuilder(2).AppendNull()
	}
	if p.MinWriterVersion == 7 {
		putList(sb.FieldBuilder(3), nonNil(p.WriterFeatures))
	} else {
		sb.FieldBuilder(3).AppendNull()
	}
}

func putString(b array.Builder, s string, valid bool) {
	if !valid {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(s)
}

func putInt64(b array.Builder, v *int64) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.(*array.Int64Builder).Append(*v)
}

// putMap appends m, or null when m is nil. Keys are written in sorted order.
func putMap(b array.Builder, m map[string]string) {
	mb := b.(*array.MapBuilder)
	if m == nil {
		mb.AppendNull()
		return
	}
	mb.Append(true)
	kb := mb.KeyBuilder().(*array.StringBuilder)
	ib := mb.ItemBuilder().(*array.StringBuilder)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		kb.Append(k)
		ib.Append(m[k])
	}
}

func putList(b array.Builder, l []string) {
	lb := b.(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, s := range l {
		vb.Append(s)
	}
}

// maybeCheckpoint writes the automatic checkpoint of version v (see
// checkpointDue) from s, the snapshot at v. A failure does not fail the commit;
// it goes to the checkpoint error handler.
func (t *Table) maybeCheckpoint(ctx context.Context, v int64, s *Snapshot) {
	if s == nil || s.Version != v {
		return
	}
	if _, err := t.Checkpoint(ctx, s); err != nil {
		t.checkpointFailed(v, err)
	}
}

// SetCheckpointErrorHandler sets the function told about checkpoints that Commit
// tried to write after a successful commit and could not. The commit itself
// stands either way. The default logs a warning with log/slog; nil restores it.
func (t *Table) SetCheckpointErrorHandler(fn func(version int64, err error)) {
	t.mu.Lock()
	t.onCheckpointError = fn
	t.mu.Unlock()
}

func (t *Table) checkpointFailed(v int64, err error) {
	t.mu.Lock()
	fn := t.onCheckpointError
	t.mu.Unlock()
	if fn == nil {
		slog.Warn("delta: automatic checkpoint failed", "table", t.root, "version", v, "error", err)
		return
	}
	fn(v, err)
}
