package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// batchRows is how many rows go into one Arrow record batch.
const batchRows = 8192

// sharedTable is one published table: how to fill it from a view of the store,
// and how to apply a run of changes to it.
type sharedTable interface {
	name() string
	keyColumns() []string
	deltaSchema() *schema.StructType
	arrowSchema() *arrow.Schema
	// feeds reports whether changes of kind change this table.
	feeds(k planning.Kind) bool
	// snapshot streams the table's rows as of a view (tx), whose change history
	// ends at seq.
	snapshot(ctx context.Context, st store.Store, tx store.Tx, seq int64) iter.Seq2[arrow.RecordBatch, error]
	// apply writes changes (oldest first, all fed by this table's kinds) to tbl
	// in one commit.
	apply(ctx context.Context, tbl *delta.Table, changes []store.Change, opts delta.WriteOptions) (applied, error)
}

// applied counts what one commit did to a table.
type applied struct {
	committed                  bool
	version                    int64
	inserted, updated, deleted int64
}

// entityTable is a table whose rows come from records of kind T (R is the row
// type: T itself, or a child row such as a person's tag).
type entityTable[T any, R any] struct {
	tableName string
	kind      planning.Kind
	key       []string
	cols      []column[R]
	coll      func(store.Tx) store.Collection[T]
	rows      func(t *T, emit func(*R))
	keyOf     func(r *R) []any

	once sync.Once
	as   *arrow.Schema
}

func (t *entityTable[T, R]) name() string                    { return t.tableName }
func (t *entityTable[T, R]) keyColumns() []string            { return t.key }
func (t *entityTable[T, R]) feeds(k planning.Kind) bool      { return k == t.kind }
func (t *entityTable[T, R]) deltaSchema() *schema.StructType { return schemaOf(t.cols) }

func (t *entityTable[T, R]) arrowSchema() *arrow.Schema {
	t.once.Do(func() { t.as = mustArrow(t.deltaSchema()) })
	return t.as
}

func schemaOf[R any](cols []column[R]) *schema.StructType {
	s := &schema.StructType{Fields: make([]schema.StructField, len(cols))}
	for i, c := range cols {
		s.Fields[i] = c.field
	}
	return s
}

func mustArrow(s *schema.StructType) *arrow.Schema {
	as, err := datafile.ArrowSchema(s)
	if err != nil {
		panic(fmt.Sprintf("publish: table schema: %v", err)) // the schemas are fixed in code
	}
	return as
}

// encoder turns rows into Arrow record batches.
type encoder[R any] struct {
	cols []column[R]
	b    *array.RecordBuilder
	n    int
}

func newEncoder[R any](as *arrow.Schema, cols []column[R]) *encoder[R] {
	return &encoder[R]{cols: cols, b: array.NewRecordBuilder(memory.DefaultAllocator, as)}
}

func (e *encoder[R]) add(r *R) {
	for i, c := range e.cols {
		c.put(e.b.Field(i), r)
	}
	e.n++
}

// flush returns the rows added since the last flush as a batch.
func (e *encoder[R]) flush() arrow.RecordBatch {
	e.n = 0
	return e.b.NewRecordBatch()
}

func (e *encoder[R]) release() { e.b.Release() }

// encode streams batches of the rows that fill passes to add. add reports
// false once the consumer has stopped; fill should then return.
func encode[R any](as *arrow.Schema, cols []column[R], fill func(add func(*R) bool) error) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		enc := newEncoder(as, cols)
		defer enc.release()
		stopped := false
		send := func() {
			rec := enc.flush()
			defer rec.Release()
			stopped = !yield(rec, nil)
		}
		err := fill(func(r *R) bool {
			if stopped {
				return false
			}
			enc.add(r)
			if enc.n >= batchRows {
				send()
			}
			return !stopped
		})
		switch {
		case stopped:
		case err != nil:
			yield(nil, err)
		case enc.n > 0:
			send()
		}
	}
}

func (t *entityTable[T, R]) snapshot(ctx context.Context, _ store.Store, tx store.Tx, _ int64) iter.Seq2[arrow.RecordBatch, error] {
	return encode(t.arrowSchema(), t.cols, func(add func(*R) bool) error {
		for rec, err := range t.coll(tx).List(ctx, store.Query{}) {
			if err != nil {
				return fmt.Errorf("read %s: %w", t.kind.Label(), err)
			}
			more := true
			t.rows(&rec, func(r *R) { more = more && add(r) })
			if !more {
				return nil
			}
		}
		return nil
	})
}

// net is what a run of changes did to one record: the record before the first
// change and after the last (nil when it did not exist).
type net[T any] struct {
	before, after *T
}

func decode[T any](doc []byte) (*T, error) {
	if len(doc) == 0 {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (t *entityTable[T, R]) apply(ctx context.Context, tbl *delta.Table, changes []store.Change, opts delta.WriteOptions) (applied, error) {
	var order []string
	nets := map[string]*net[T]{}
	for _, c := range changes {
		n := nets[c.EntityID]
		if n == nil {
			before, err := decode[T](c.Before)
			if err != nil {
				return applied{}, fmt.Errorf("change %d: read the %s before the change: %w", c.Seq, t.kind.Label(), err)
			}
			n = &net[T]{before: before}
			nets[c.EntityID] = n
			order = append(order, c.EntityID)
		}
		after, err := decode[T](c.After)
		if err != nil {
			return applied{}, fmt.Errorf("change %d: read the %s after the change: %w", c.Seq, t.kind.Label(), err)
		}
		n.after = after
	}
	// Rows of a record's final state are upserted; rows it had before and no
	// longer has are deleted.
	var deletes [][]any
	var upserts []*R
	for _, id := range order {
		n := nets[id]
		keep := map[string]bool{}
		if n.after != nil {
			t.rows(n.after, func(r *R) {
				keep[keyString(t.keyOf(r))] = true
				upserts = append(upserts, r)
			})
		}
		if n.before != nil {
			t.rows(n.before, func(r *R) {
				if k := t.keyOf(r); !keep[keyString(k)] {
					deletes = append(deletes, k)
				}
			})
		}
	}
	batches := encode(t.arrowSchema(), t.cols, func(add func(*R) bool) error {
		for _, r := range upserts {
			if !add(r) {
				break
			}
		}
		return nil
	})
	res, err := tbl.Merge(ctx, t.key, batches, deletes, opts)
	if err != nil {
		return applied{}, err
	}
	return applied{committed: res.Committed, version: res.Version,
		inserted: res.Inserted, updated: res.Updated, deleted: res.Deleted}, nil
}

func keyString(k []any) string {
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "\x00")
}
