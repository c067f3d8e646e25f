// Package sharingtest builds the small Delta tables the Delta Sharing tests
// (server and client) share: real tables in a local folder, written with
// internal/delta the way a publisher or another tool would.
package sharingtest

import (
	"context"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Tables are the test tables and the folder holding them.
type Tables struct {
	Store *local.Store
	// ByName holds "people", "nohistory" and "regions".
	ByName map[string]*delta.Table
	// PeopleTimes are the commit times of people's versions 0 to 3.
	PeopleTimes []time.Time
}

// Person is one row of the people table.
type Person struct {
	ID   int64
	Name string
}

// PeopleSchema is the people table's schema: id long, name string.
func PeopleSchema() *schema.StructType {
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "name", Type: schema.String, Nullable: true},
	}}
}

// PeopleBatch yields the rows as one batch of PeopleSchema.
func PeopleBatch(tb testing.TB, rows ...Person) func(yield func(arrow.RecordBatch, error) bool) {
	as, err := datafile.ArrowSchema(PeopleSchema())
	must(tb, err)
	return func(yield func(arrow.RecordBatch, error) bool) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		defer b.Release()
		for _, r := range rows {
			b.Field(0).(*array.Int64Builder).Append(r.ID)
			b.Field(1).(*array.StringBuilder).Append(r.Name)
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		yield(rec, nil)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// Build writes the tables in a new folder:
//   - people (change data feed on): v0 create, v1 append 1..3, v2 merge
//     (update 2, delete 3, insert 4), v3 append 5, each commit a few
//     milliseconds after the previous one;
//   - regions: partitioned by region, two files (KS with amounts 1-10, MO with
//     100-200) committed by hand as another writer would;
//   - nohistory: people's first rows, for sharing without history.
func Build(t testing.TB) *Tables {
	ctx := context.Background()
	st, err := local.New(filepath.Join(t.TempDir(), "tables"))
	must(t, err)
	out := &Tables{Store: st, ByName: map[string]*delta.Table{}}

	people := delta.NewTable(st, "people")
	m, err := delta.NewMetadata(PeopleSchema(), nil, map[string]string{delta.ConfigEnableChangeDataFeed: "true"})
	must(t, err)
	must(t, people.Create(ctx, m, delta.Protocol{}))
	step := func() { time.Sleep(15 * time.Millisecond) }
	step()
	_, err = people.Append(ctx, PeopleBatch(t, Person{1, "Ana"}, Person{2, "Ben"}, Person{3, "Cy"}), delta.WriteOptions{})
	must(t, err)
	step()
	_, err = people.Merge(ctx, []string{"id"}, PeopleBatch(t, Person{2, "Benjamin"}, Person{4, "Dee"}), [][]any{{int64(3)}}, delta.WriteOptions{})
	must(t, err)
	step()
	_, err = people.Append(ctx, PeopleBatch(t, Person{5, "Eve"}), delta.WriteOptions{})
	must(t, err)
	for v := int64(0); v <= 3; v++ {
		snap, err := people.SnapshotAt(ctx, v)
		must(t, err)
		out.PeopleTimes = append(out.PeopleTimes, snap.Timestamp)
	}
	out.ByName["people"] = people

	nohist := delta.NewTable(st, "nohistory")
	must(t, nohist.Create(ctx, m, delta.Protocol{}))
	_, err = nohist.Append(ctx, PeopleBatch(t, Person{1, "Ana"}), delta.WriteOptions{})
	must(t, err)
	out.ByName["nohistory"] = nohist
	out.ByName["regions"] = regions(t, st)
	return out
}

// regions writes a table partitioned by region the way another writer
// would: data files without the partition column, adds with partition values.
func regions(t testing.TB, st *local.Store) *delta.Table {
	ctx := context.Background()
	tbl := delta.NewTable(st, "regions")
	full := &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "amount", Type: schema.Long, Nullable: true},
		{Name: "region", Type: schema.String, Nullable: true},
	}}
	m, err := delta.NewMetadata(full, []string{"region"}, nil)
	must(t, err)
	must(t, tbl.Create(ctx, m, delta.Protocol{}))
	as, err := datafile.ArrowSchema(&schema.StructType{Fields: full.Fields[:2]})
	must(t, err)
	var actions []delta.Action
	for _, part := range []struct {
		region   string
		from, to int64
	}{{"KS", 1, 10}, {"MO", 100, 200}} {
		rel := "region=" + part.region + "/part-0.parquet"
		w, err := datafile.NewWriter(ctx, st, path.Join("regions", rel), as, datafile.Options{})
		must(t, err)
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		for i := part.from; i <= part.to; i++ {
			b.Field(0).(*array.Int64Builder).Append(i)
			b.Field(1).(*array.Int64Builder).Append(i)
		}
		rec := b.NewRecordBatch()
		must(t, w.Write(rec))
		rec.Release()
		b.Release()
		info, err := w.Close()
		must(t, err)
		actions = append(actions, delta.Action{Add: &delta.Add{Path: delta.EncodePath(rel), PartitionValues: map[string]string{"region": part.region},
			Size: info.Size, ModificationTime: time.Now().UnixMilli(), DataChange: true, Stats: info.Stats.JSON()}})
	}
	actions = append(actions, delta.Action{CommitInfo: &delta.CommitInfo{Operation: "WRITE"}})
	_, err = tbl.Commit(ctx, 0, actions)
	must(t, err)
	return tbl
}
