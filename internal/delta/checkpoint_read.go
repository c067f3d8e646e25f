package delta

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// readCheckpoint loads the state a checkpoint holds. Each part file is read
// one row group at a time, so memory holds one row group, not the whole file.
// Missing columns and fields read as null; unknown ones are ignored.
func (t *Table) readCheckpoint(ctx context.Context, ref checkpointRef) (*Snapshot, error) {
	s := newSnapshot()
	for _, key := range ref.keys {
		if err := t.readCheckpointFile(ctx, key, s); err != nil {
			return nil, fmt.Errorf("delta: checkpoint %s: %w", key, err)
		}
	}
	if !s.hasProtocol || !s.hasMetadata {
		return nil, fmt.Errorf("delta: checkpoint of version %d has no protocol or no metaData action", ref.version)
	}
	s.Version = ref.version
	s.Timestamp = ref.modTime
	return s, nil
}

func (t *Table) readCheckpointFile(ctx context.Context, key string, s *Snapshot) error {
	obj, err := t.store.Open(ctx, key)
	if err != nil {
		return err
	}
	defer obj.Close()
	pf, err := file.NewParquetReader(io.NewSectionReader(obj, 0, obj.Size()))
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	leaves := make([]int, pf.MetaData().Schema.NumColumns())
	for i := range leaves {
		leaves[i] = i
	}
	for rg := range pf.NumRowGroups() {
		if err := ctx.Err(); err != nil {
			return err
		}
		tbl, err := fr.ReadRowGroups(ctx, leaves, []int{rg})
		if err != nil {
			return fmt.Errorf("row group %d: %w", rg, err)
		}
		err = applyCheckpointTable(tbl, s)
		tbl.Release()
		if err != nil {
			return fmt.Errorf("row group %d: %w", rg, err)
		}
	}
	return nil
}

func applyCheckpointTable(tbl arrow.Table, s *Snapshot) error {
	tr := array.NewTableReader(tbl, tbl.NumRows())
	defer tr.Release()
	for tr.Next() {
		if err := applyCheckpointRecord(tr.RecordBatch(), s); err != nil {
			return err
		}
	}
	return tr.Err()
}

// applyCheckpointRecord adds the actions of a batch of checkpoint rows to s.
func applyCheckpointRecord(rec arrow.RecordBatch, s *Snapshot) error {
	col := func(name string) ckStruct {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return ckStruct{}
		}
		st, _ := rec.Column(idx[0]).(*array.Struct)
		return newCKStruct(st)
	}
	protocol, metadata, txn, add, remove := col("protocol"), col("metaData"), col("txn"), col("add"), col("remove")
	for i := range int(rec.NumRows()) {
		switch {
		case add.valid(i):
			a := Add{
				Path:                    add.str("path", i),
				PartitionValues:         add.strMap("partitionValues", i),
				Size:                    add.i64("size", i),
				ModificationTime:        add.i64("modificationTime", i),
				DataChange:              add.boolean("dataChange", i),
				Stats:                   add.str("stats", i),
				Tags:                    add.strMap("tags", i),
				BaseRowID:               add.optI64("baseRowId", i),
				DefaultRowCommitVersion: add.optI64("defaultRowCommitVersion", i),
				ClusteringProvider:      add.str("clusteringProvider", i),
			}
			if dv := add.sub("deletionVector"); dv.valid(i) {
				return fmt.Errorf("add %q has a deletion vector, which is not supported", a.Path)
			}
			k, err := DecodePath(a.Path)
			if err != nil {
				return err
			}
			s.files[k] = a
		case remove.valid(i):
			r := Remove{
				Path:                    remove.str("path", i),
				DeletionTimestamp:       remove.optI64("deletionTimestamp", i),
				DataChange:              remove.boolean("dataChange", i),
				ExtendedFileMetadata:    remove.boolean("extendedFileMetadata", i),
				PartitionValues:         remove.strMap("partitionValues", i),
				Size:                    remove.optI64("size", i),
				BaseRowID:               remove.optI64("baseRowId", i),
				DefaultRowCommitVersion: remove.optI64("defaultRowCommitVersion", i),
			}
			k, err := DecodePath(r.Path)
			if err != nil {
				return err
			}
			s.tombstones[k] = r
		case txn.valid(i):
			x := Txn{AppID: txn.str("appId", i), Version: txn.i64("version", i), LastUpdated: txn.optI64("lastUpdated", i)}
			s.txns[x.AppID] = x
		case metadata.valid(i):
			f := metadata.sub("format")
			s.Metadata = Metadata{
				ID:               metadata.str("id", i),
				Name:             metadata.str("name", i),
				Description:      metadata.str("description", i),
				Format:           Format{Provider: f.str("provider", i), Options: nonNilMap(f.strMap("options", i))},
				SchemaString:     metadata.str("schemaString", i),
				PartitionColumns: nonNil(metadata.strList("partitionColumns", i)),
				Configuration:    nonNilMap(metadata.strMap("configuration", i)),
				CreatedTime:      metadata.optI64("createdTime", i),
			}
			s.hasMetadata = true
		case protocol.valid(i):
			s.Protocol = Protocol{
				MinReaderVersion: int(protocol.i64("minReaderVersion", i)),
				MinWriterVersion: int(protocol.i64("minWriterVersion", i)),
				ReaderFeatures:   protocol.strList("readerFeatures", i),
				WriterFeatures:   protocol.strList("writerFeatures", i),
			}
			if s.Protocol.MinReaderVersion == 3 && s.Protocol.ReaderFeatures == nil {
				s.Protocol.ReaderFeatures = []string{}
			}
			if s.Protocol.MinWriterVersion == 7 && s.Protocol.WriterFeatures == nil {
				s.Protocol.WriterFeatures = []string{}
			}
			s.hasProtocol = true
		}
		// Other columns (domainMetadata, checkpointMetadata, sidecar, ...) are
		// ignored, as unknown actions are in commits.
	}
	return nil
}

// ckStruct reads the fields of a struct column by name; a missing column or
// field reads as null.
type ckStruct struct {
	arr    *array.Struct
	fields map[string]arrow.Array
}

func newCKStruct(st *array.Struct) ckStruct {
	if st == nil {
		return ckStruct{}
	}
	typ := st.DataType().(*arrow.StructType)
	fields := make(map[string]arrow.Array, st.NumField())
	for j := range st.NumField() {
		fields[typ.Field(j).Name] = st.Field(j)
	}
	return ckStruct{arr: st, fields: fields}
}

func (c ckStruct) valid(i int) bool { return c.arr != nil && c.arr.IsValid(i) }

func (c ckStruct) field(name string, i int) arrow.Array {
	f := c.fields[name]
	if f == nil || f.IsNull(i) {
		return nil
	}
	return f
}

func (c ckStruct) sub(name string) ckStruct {
	st, _ := c.fields[name].(*array.Struct)
	return newCKStruct(st)
}

func (c ckStruct) str(name string, i int) string { return arrayString(c.field(name, i), i) }

func arrayString(a arrow.Array, i int) string {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.LargeBinary:
		return string(a.Value(i))
	}
	return ""
}

func (c ckStruct) optI64(name string, i int) *int64 {
	a := c.field(name, i)
	var v int64
	switch a := a.(type) {
	case *array.Int64:
		v = a.Value(i)
	case *array.Int32:
		v = int64(a.Value(i))
	case *array.Int16:
		v = int64(a.Value(i))
	case *array.Int8:
		v = int64(a.Value(i))
	default:
		return nil
	}
	return &v
}

func (c ckStruct) i64(name string, i int) int64 {
	if p := c.optI64(name, i); p != nil {
		return *p
	}
	return 0
}

func (c ckStruct) boolean(name string, i int) bool {
	b, ok := c.field(name, i).(*array.Boolean)
	return ok && b.Value(i)
}

func (c ckStruct) strMap(name string, i int) map[string]string {
	m, ok := c.field(name, i).(*array.Map)
	if !ok {
		return nil
	}
	start, end := m.ValueOffsets(i)
	keys, items := m.Keys(), m.Items()
	out := make(map[string]string, end-start)
	for j := int(start); j < int(end); j++ {
		out[arrayString(keys, j)] = arrayString(items, j)
	}
	return out
}

func (c ckStruct) strList(name string, i int) []string {
	var (
		vals       arrow.Array
		start, end int64
	)
	switch l := c.field(name, i).(type) {
	case *array.List:
		start, end = l.ValueOffsets(i)
		vals = l.ListValues()
	case *array.LargeList:
		start, end = l.ValueOffsets(i)
		vals = l.ListValues()
	default:
		return nil
	}
	out := make([]string, 0, end-start)
	for j := int(start); j < int(end); j++ {
		out = append(out, arrayString(vals, j))
	}
	return out
}
