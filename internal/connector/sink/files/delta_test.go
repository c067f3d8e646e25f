package files_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
	"github.com/trestle-dev/trestle/internal/delta"
)

var events = arrow.NewSchema([]arrow.Field{
	{Name: "day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "site", Type: arrow.BinaryTypes.String},
	{Name: "hits", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// TestDeltaIncrementalOrder: with a key of a date and a string (keys Merge
// matches by their text), the last operation on each key wins, whatever the
// mix of upserts and deletes and the column order of the deleted keys.
func TestDeltaIncrementalOrder(t *testing.T) {
	store, _ := newStore(t, "rename")
	s := newSink(t, store, files.Delta)
	tbl := sink.Table{Name: "events", Schema: events, Key: []string{"day", "site"}}
	load(t, s, tbl, sinktest.Batch(events,
		[]any{day(1), "a", int64(1)}, []any{day(1), "b", int64(2)}, []any{day(2), "a", int64(3)}))

	keys := arrow.NewSchema([]arrow.Field{
		{Name: "site", Type: arrow.BinaryTypes.String}, {Name: "day", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
	l, err := s.BeginIncremental(t.Context(), tbl)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		del bool
		rec arrow.RecordBatch
	}{
		{true, sinktest.Batch(keys, []any{"a", day(1)}, []any{"b", day(1)})},                          // delete (1,a), (1,b)
		{false, sinktest.Batch(events, []any{day(1), "a", int64(10)})},                                // re-insert (1,a)
		{false, sinktest.Batch(events, []any{day(3), "c", int64(30)}, []any{day(3), "c", int64(31)})}, // twice: last wins
		{true, sinktest.Batch(keys, []any{"a", day(2)})},                                              // delete (2,a) ...
		{false, sinktest.Batch(events, []any{day(2), "a", int64(20)})},                                // ... and upsert it
		{false, sinktest.Batch(events, []any{day(4), "d", int64(40)})},                                // insert (4,d) ...
		{true, sinktest.Batch(keys, []any{"d", day(4)}, []any{"z", day(9)})},                          // ... then delete it; (9,z) is absent
	}
	for i, st := range steps {
		if st.del {
			err = l.Delete(t.Context(), st.rec)
		} else {
			err = l.Write(t.Context(), st.rec)
		}
		st.rec.Release()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := filestest.NewReader(store, files.Delta)
	got, err := r.ReadRows(t.Context(), tbl.Name)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	w := []string{
		sinktest.Row("2024-01-01", `"a"`, "10"),
		sinktest.Row("2024-01-02", `"a"`, "20"),
		sinktest.Row("2024-01-03", `"c"`, "31"),
	}
	if !slices.Equal(got, w) {
		t.Errorf("rows = %q, want %q", got, w)
	}
}

// TestDeltaTableSetup: tables the sink creates have the change data feed
// on, and one incremental commit (one more for added columns).
func TestDeltaTableSetup(t *testing.T) {
	store, _ := newStore(t, "rename")
	s := newSink(t, store, files.Delta)
	tbl := sink.Table{Name: "people", Schema: people, Key: []string{"id"}}
	l, err := s.BeginIncremental(t.Context(), tbl)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := delta.NewTable(store, tbl.Name).Exists(t.Context()); ok {
		t.Error("BeginIncremental created the table before Commit")
	}
	if err := l.Write(t.Context(), peopleRows("p", 1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	dt := delta.NewTable(store, tbl.Name)
	snap, err := dt.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Metadata.Configuration[delta.ConfigEnableChangeDataFeed] != "true" || snap.Version != 1 {
		t.Errorf("new table: version %d, configuration %v; want version 1 and the change data feed on", snap.Version, snap.Metadata.Configuration)
	}
	wider := arrow.NewSchema(append(people.Fields(), arrow.Field{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true}), nil)
	l, err = s.BeginIncremental(t.Context(), sink.Table{Name: tbl.Name, Schema: wider, Key: tbl.Key})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(t.Context(), sinktest.Batch(wider, []any{int64(2), "q", int32(5)})); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v, _ := dt.LatestVersion(t.Context()); v != 3 {
		t.Errorf("after adding a column and merging: version %d, want 3", v)
	}
	changes, err := dt.Changes(t.Context(), 3, 3)
	if err != nil || len(changes) != 1 || len(changes[0].Files) == 0 {
		t.Errorf("the merge wrote no change data: %v, %v", changes, err)
	}
}

// TestDeltaIncrementalRefused: a column whose type changed, or a new column
// that is not nullable, is refused at Begin, naming the column.
func TestDeltaIncrementalRefused(t *testing.T) {
	store, _ := newStore(t, "rename")
	s := newSink(t, store, files.Delta)
	load(t, s, sink.Table{Name: "people", Schema: people}, peopleRows("p", 1))
	for col, schema := range map[string]*arrow.Schema{
		"name": arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "name", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil),
		"age": arrow.NewSchema(append(people.Fields(), arrow.Field{Name: "age", Type: arrow.PrimitiveTypes.Int32}), nil),
	} {
		_, err := s.BeginIncremental(t.Context(), sink.Table{Name: "people", Schema: schema, Key: []string{"id"}})
		if err == nil || !strings.Contains(err.Error(), `"`+col+`"`) {
			t.Errorf("BeginIncremental with column %s changed = %v, want an error naming it", col, err)
		}
	}
}
