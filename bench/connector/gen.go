package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// dataFormat names the generator's output; a kept table made by another
// version of the generator is regenerated.
const dataFormat = "orders-v1"

// batchRows is the number of rows of each generated record batch.
const batchRows = 64 << 10

// tableSchema is the benchmark table: 15 columns of mixed types.
func tableSchema() *schema.StructType {
	f := func(name string, t schema.DataType) schema.StructField {
		return schema.StructField{Name: name, Type: t, Nullable: true}
	}
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		f("name", schema.String),
		f("email", schema.String),
		f("city", schema.String),
		f("description", schema.String),
		f("quantity", schema.Integer),
		f("price", schema.Double),
		f("amount", schema.DecimalType{Precision: 18, Scale: 4}),
		f("active", schema.Boolean),
		f("created", schema.Date),
		f("updated_at", schema.Timestamp),
		f("note", schema.String),
		f("category", schema.String),
		f("priority", schema.Short),
		f("tags", &schema.ArrayType{ElementType: schema.String, ContainsNull: false}),
	}}
}

var (
	words = strings.Fields(`alpha beam brick crane delta eave frame girder hoist joist kerb ledger mortar
		nail oak plank quarry rebar slab truss upright valve weld yard zinc anchor bolt column drywall
		footing gravel header insulation lintel mesh panel rafter scaffold sheathing stud trowel vent
		Zürich café naïve Łódź São Malmö crème déjà über façade`)
	cities = strings.Fields(`Austin Boston Chicago Denver ElPaso Fresno Garland Houston Irvine Jackson
		Kent Laredo Miami Nashville Omaha Phoenix Quincy Raleigh Seattle Tampa Utica Vallejo Wichita
		Yonkers Akron Boise Camden Dayton Erie Flint Gary Hartford Provo Reno Salem Tulsa`)
	categories = strings.Fields(`framing concrete electrical plumbing roofing hvac masonry painting
		drywall flooring glazing landscaping`)
	tagWords = strings.Fields(`urgent review hold rework safety permit union overtime night weekend
		remote audit warranty rental client-change phase-1 phase-2 phase-3 closeout punch-list`)
	// punctuation sometimes ends a description word, so that CSV quoting is exercised.
	punctuation = []string{",", ".", ";", ` "quoted"`, "'s", "\n"}
)

// generator makes the deterministic rows of the table: the values of a row
// depend only on the seed, the row's id and its variant (0 for the original
// rows, a run's number for that run's updates).
type generator struct {
	seed uint64
	pcg  rand.PCG
	r    *rand.Rand
	sb   strings.Builder
}

func newGenerator(seed uint64) *generator {
	g := &generator{seed: seed}
	g.r = rand.New(&g.pcg)
	return g
}

// builders are the column builders of one batch, in schema order.
type builders struct {
	rb                                      *array.RecordBuilder
	id                                      *array.Int64Builder
	name, email, city, desc, note, category *array.StringBuilder
	quantity                                *array.Int32Builder
	price                                   *array.Float64Builder
	amount                                  *array.Decimal128Builder
	active                                  *array.BooleanBuilder
	created                                 *array.Date32Builder
	updated                                 *array.TimestampBuilder
	priority                                *array.Int16Builder
	tags                                    *array.ListBuilder
	tagValues                               *array.StringBuilder
}

func newBuilders(as *arrow.Schema) *builders {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, as)
	b := &builders{rb: rb,
		id: rb.Field(0).(*array.Int64Builder), name: rb.Field(1).(*array.StringBuilder),
		email: rb.Field(2).(*array.StringBuilder), city: rb.Field(3).(*array.StringBuilder),
		desc: rb.Field(4).(*array.StringBuilder), quantity: rb.Field(5).(*array.Int32Builder),
		price: rb.Field(6).(*array.Float64Builder), amount: rb.Field(7).(*array.Decimal128Builder),
		active: rb.Field(8).(*array.BooleanBuilder), created: rb.Field(9).(*array.Date32Builder),
		updated: rb.Field(10).(*array.TimestampBuilder), note: rb.Field(11).(*array.StringBuilder),
		category: rb.Field(12).(*array.StringBuilder), priority: rb.Field(13).(*array.Int16Builder),
		tags: rb.Field(14).(*array.ListBuilder)}
	b.tagValues = b.tags.ValueBuilder().(*array.StringBuilder)
	return b
}

var (
	firstDay = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	firstTS  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
)

// words appends n random words to g.sb, separated by spaces, sometimes
// followed by punctuation.
func (g *generator) words(n int, punct bool) string {
	g.sb.Reset()
	for i := range n {
		if i > 0 {
			g.sb.WriteByte(' ')
		}
		g.sb.WriteString(words[g.r.IntN(len(words))])
		if punct && g.r.IntN(16) == 0 {
			g.sb.WriteString(punctuation[g.r.IntN(len(punctuation))])
		}
	}
	return g.sb.String()
}

// appendRow appends row id (of the given variant) to b.
func (g *generator) appendRow(b *builders, id int64, variant uint64) {
	g.pcg.Seed(g.seed^(variant*0x9e3779b97f4a7c15), uint64(id))
	r := g.r
	b.id.Append(id)
	name := g.words(2+r.IntN(2), false)
	b.name.Append(name)
	first, _, _ := strings.Cut(name, " ")
	b.email.Append(strings.ToLower(first) + "." + strconv.FormatInt(id, 10) + "@example.com")
	b.city.Append(cities[r.IntN(len(cities))])
	b.desc.Append(g.words(r.IntN(30), true))
	b.quantity.Append(int32(r.IntN(10_000)))
	b.price.Append(r.Float64() * 1000)
	b.amount.Append(decimal128.FromI64(r.Int64N(2e12) - 1e12))
	b.active.Append(r.IntN(4) != 0)
	b.created.Append(arrow.Date32FromTime(firstDay.AddDate(0, 0, r.IntN(12*365))))
	b.updated.Append(arrow.Timestamp(firstTS.UnixMicro() + r.Int64N(6*365*24*3600*1e6)))
	if r.IntN(5) < 2 {
		b.note.AppendNull()
	} else {
		b.note.Append(g.words(1+r.IntN(8), true))
	}
	b.category.Append(categories[r.IntN(len(categories))])
	b.priority.Append(int16(r.IntN(6)))
	b.tags.Append(true)
	for range r.IntN(5) {
		b.tagValues.Append(tagWords[r.IntN(len(tagWords))])
	}
}

// batches yields the rows whose ids ids yields, of the given variant, in
// batches of batchRows. Each batch is released after the loop body returns.
func (g *generator) batches(ctx context.Context, as *arrow.Schema, ids iter.Seq[int64], variant uint64) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		b := newBuilders(as)
		defer b.rb.Release()
		flush := func() bool {
			rec := b.rb.NewRecordBatch()
			defer rec.Release()
			return yield(rec, nil)
		}
		n := 0
		for id := range ids {
			g.appendRow(b, id, variant)
			if n++; n == batchRows {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
				if !flush() {
					return
				}
				n = 0
			}
		}
		if n > 0 {
			flush()
		}
	}
}

// idRange yields the ids from..to-1.
func idRange(from, to int64) iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for id := from; id < to; id++ {
			if !yield(id) {
				return
			}
		}
	}
}

// tableInfo describes the generated table; it is stored beside it (with
// --keep) so that a rerun with the same settings reuses it.
type tableInfo struct {
	Format      string `json:"format"`
	Rows        int64  `json:"rows"`
	Seed        uint64 `json:"seed"`
	RowsPerFile int64  `json:"rows_per_file"`
	// Version is the table version right after generation; runs restore
	// the table to it.
	Version int64 `json:"version"`
	SumID   int64 `json:"sum_id"`
	Files   int   `json:"files"`
	Bytes   int64 `json:"bytes"`
	// GenSeconds is how long generating took (information only).
	GenSeconds float64 `json:"gen_seconds"`
	// CSVBytes is the size of the CSV export once written (0 before).
	CSVBytes int64 `json:"csv_bytes,omitempty"`
}

func (ti tableInfo) sameSettings(o tableInfo) bool {
	return ti.Format == o.Format && ti.Rows == o.Rows && ti.Seed == o.Seed && ti.RowsPerFile == o.RowsPerFile
}

// source is the generated Delta table in the work folder.
type source struct {
	dir      string // the table's folder
	store    *local.Store
	table    *delta.Table
	info     tableInfo
	infoPath string
	arrow    *arrow.Schema
	gen      *generator
}

// openSource returns the table of want's settings in work: the kept one,
// restored to its generated version, when reuse is set and it matches, else a
// new one.
func openSource(ctx context.Context, work string, want tableInfo, reuse bool, logf func(string, ...any)) (*source, error) {
	as, err := datafile.ArrowSchema(tableSchema())
	if err != nil {
		return nil, err
	}
	s := &source{dir: filepath.Join(work, "table"), infoPath: filepath.Join(work, "table.json"), arrow: as,
		gen: newGenerator(want.Seed)}
	if reuse {
		var have tableInfo
		if b, err := os.ReadFile(s.infoPath); err == nil && json.Unmarshal(b, &have) == nil && have.sameSettings(want) {
			if err := s.open(); err != nil {
				return nil, err
			}
			s.info = have
			if err := s.restore(ctx); err == nil {
				logf("reusing the table in %s (%d rows, generated in %.1f s)", s.dir, have.Rows, have.GenSeconds)
				return s, nil
			} else {
				logf("the kept table cannot be reused (%v); generating it again", err)
			}
			s.store.Close()
		}
	}
	_ = os.Remove(s.infoPath)
	if err := os.RemoveAll(s.dir); err != nil {
		return nil, err
	}
	_ = os.Remove(csvPath(work))
	if err := s.open(); err != nil {
		return nil, err
	}
	s.info = want
	if err := s.generate(ctx, logf); err != nil {
		s.store.Close()
		return nil, err
	}
	return s, nil
}

func (s *source) open() error {
	st, err := local.New(s.dir)
	if err != nil {
		return err
	}
	s.store, s.table = st, delta.NewTable(st, "")
	return nil
}

func (s *source) close() { s.store.Close() }

// saveInfo writes table.json.
func (s *source) saveInfo() error {
	b, err := json.MarshalIndent(s.info, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(s.infoPath, append(b, '\n'), 0o644)
}

// generate creates the table and appends the rows in one commit.
func (s *source) generate(ctx context.Context, logf func(string, ...any)) error {
	logf("generating %d rows into %s ...", s.info.Rows, s.dir)
	start := time.Now()
	meta, err := delta.NewMetadata(tableSchema(), nil, map[string]string{
		delta.ConfigEnableChangeDataFeed: "true",
		connector.ConfigPrimaryKey:       "id",
	})
	if err != nil {
		return err
	}
	meta.Name = "orders"
	if err := s.table.Create(ctx, meta, delta.Protocol{}); err != nil {
		return err
	}
	v, err := s.table.Append(ctx, s.gen.batches(ctx, s.arrow, idRange(0, s.info.Rows), 0),
		delta.WriteOptions{RowsPerFile: s.info.RowsPerFile})
	if err != nil {
		return fmt.Errorf("generate the table: %w", err)
	}
	snap, err := s.table.Snapshot(ctx)
	if err != nil {
		return err
	}
	n := s.info.Rows
	s.info.Version, s.info.SumID = v, n*(n-1)/2
	s.info.Files, s.info.Bytes = snap.NumFiles(), snap.Size()
	s.info.GenSeconds = time.Since(start).Seconds()
	logf("generated %d rows in %d files (%s) in %.1f s", n, s.info.Files, mb(s.info.Bytes), s.info.GenSeconds)
	return s.saveInfo()
}

// restore brings the table back to its generated version when later
// versions (a run's merge) changed it: one commit that removes the files
// added since and adds back the generated files, then a vacuum of the
// files no longer referenced.
func (s *source) restore(ctx context.Context) error {
	cur, err := s.table.Snapshot(ctx)
	if err != nil {
		return err
	}
	if cur.Version == s.info.Version {
		return nil
	}
	base, err := s.table.SnapshotAt(ctx, s.info.Version)
	if err != nil {
		return err
	}
	if base.NumFiles() != s.info.Files || base.Size() != s.info.Bytes {
		return errors.New("its generated version does not match table.json")
	}
	_, err = s.table.CommitWithRetry(ctx, func(snap *delta.Snapshot) ([]delta.Action, error) {
		ts := time.Now().UnixMilli()
		var actions []delta.Action
		actions = append(actions, delta.Action{CommitInfo: &delta.CommitInfo{Operation: "RESTORE"}})
		for _, a := range snap.Files() {
			if _, ok := base.File(a.Path); !ok {
				r := a.Remove(ts, true)
				actions = append(actions, delta.Action{Remove: &r})
			}
		}
		for _, a := range base.Files() {
			if _, ok := snap.File(a.Path); !ok {
				add := a
				add.ModificationTime = ts
				actions = append(actions, delta.Action{Add: &add})
			}
		}
		return actions, nil
	})
	if err != nil {
		return fmt.Errorf("restore version %d: %w", s.info.Version, err)
	}
	_, err = s.table.VacuumWithOptions(ctx, delta.VacuumOptions{Retention: 0, Force: true})
	return err
}

// change is what a run's merge did to the table.
type change struct {
	Updated, Deleted, Inserted int64
	Rows, SumID                int64 // the table's after the merge
	Seconds                    float64
	Version                    int64
}

// mergeChanges changes about 1% of the rows in one merge: updates of random
// ids (with new values), a few deletes and as many inserts of new ids.
func (s *source) mergeChanges(ctx context.Context, run int) (change, error) {
	total := max(s.info.Rows/100, 3)
	del := max(total/20, 1)
	ins := del
	upd := total - del - ins
	r := rand.New(rand.NewPCG(s.info.Seed, uint64(1000+run)))
	picked := make(map[int64]bool, upd+del)
	var updIDs, delIDs []int64
	for int64(len(updIDs)+len(delIDs)) < upd+del && int64(len(picked)) < s.info.Rows {
		id := r.Int64N(s.info.Rows)
		if picked[id] {
			continue
		}
		picked[id] = true
		if int64(len(updIDs)) < upd {
			updIDs = append(updIDs, id)
		} else {
			delIDs = append(delIDs, id)
		}
	}
	deletes := make([][]any, len(delIDs))
	sum := s.info.SumID
	for i, id := range delIDs {
		deletes[i] = []any{id}
		sum -= id
	}
	ids := func(yield func(int64) bool) {
		for _, id := range updIDs {
			if !yield(id) {
				return
			}
		}
		for id := s.info.Rows; id < s.info.Rows+ins; id++ {
			sum += id
			if !yield(id) {
				return
			}
		}
	}
	start := time.Now()
	res, err := s.table.Merge(ctx, []string{"id"}, s.gen.batches(ctx, s.arrow, ids, uint64(run)), deletes,
		delta.WriteOptions{RowsPerFile: s.info.RowsPerFile})
	if err != nil {
		return change{}, fmt.Errorf("merge changes into the source table: %w", err)
	}
	c := change{Updated: res.Updated, Deleted: res.Deleted, Inserted: res.Inserted, Version: res.Version,
		Rows: s.info.Rows - res.Deleted + res.Inserted, SumID: sum, Seconds: time.Since(start).Seconds()}
	if res.Inserted != ins || res.Deleted != int64(len(delIDs)) {
		return c, fmt.Errorf("merge: inserted %d and deleted %d rows, want %d and %d", res.Inserted, res.Deleted, ins, len(delIDs))
	}
	return c, nil
}

// dataFiles returns the paths and sizes of the latest snapshot's data files.
func (s *source) dataFiles(ctx context.Context) ([]string, []int64, error) {
	snap, err := s.table.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	var paths []string
	var sizes []int64
	for _, a := range snap.Files() {
		key, err := s.table.DataKey(a.Path)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, filepath.Join(s.dir, filepath.FromSlash(key)))
		sizes = append(sizes, a.Size)
	}
	return paths, sizes, nil
}
