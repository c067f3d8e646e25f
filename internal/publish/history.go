package publish

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// sharedKinds are the kinds of record the shared tables hold; change_history
// publishes their changes only (not companies, users or memberships, which are
// the hub's access control and not planning data).
var sharedKinds = map[planning.Kind]bool{
	planning.KindGroup: true, planning.KindJobTitle: true, planning.KindTag: true,
	planning.KindPerson: true, planning.KindProject: true, planning.KindAssignment: true,
	planning.KindTimeOff: true, planning.KindResourceRequest: true,
}

// changeLog is the change_history table: one row per change, appended in
// sequence order.
type changeLog struct {
	cols []column[store.Change]
	once sync.Once
	as   *arrow.Schema
}

var historyTable = &changeLog{cols: []column[store.Change]{
	long("seq", func(c *store.Change) int64 { return c.Seq }),
	timestamp("changed_at", func(c *store.Change) time.Time { return c.At }),
	str("entity", func(c *store.Change) string { return string(c.Entity) }),
	str("entity_id", func(c *store.Change) string { return c.EntityID }),
	optStr("entity_key", func(c *store.Change) string { return c.EntityKey }),
	str("operation", func(c *store.Change) string { return string(c.Operation) }),
	str("source", func(c *store.Change) string { return string(c.Source) }),
	optStr("actor", func(c *store.Change) string { return c.Actor }),
	str("transaction_id", func(c *store.Change) string { return c.TxID }),
	long("version", func(c *store.Change) int64 { return c.Version }),
	optStr("before", func(c *store.Change) string { return string(c.Before) }),
	optStr("after", func(c *store.Change) string { return string(c.After) }),
}}

func (*changeLog) name() string                      { return "change_history" }
func (*changeLog) keyColumns() []string              { return []string{"seq"} }
func (*changeLog) feeds(k planning.Kind) bool        { return sharedKinds[k] }
func (h *changeLog) deltaSchema() *schema.StructType { return schemaOf(h.cols) }

func (h *changeLog) arrowSchema() *arrow.Schema {
	h.once.Do(func() { h.as = mustArrow(h.deltaSchema()) })
	return h.as
}

func (h *changeLog) snapshot(ctx context.Context, st store.Store, tx store.Tx, seq int64) iter.Seq2[arrow.RecordBatch, error] {
	// The history only grows and its sequence numbers are committed in order,
	// so the entries up to seq are exactly those the view saw.
	return encode(h.arrowSchema(), h.cols, func(add func(*store.Change) bool) error {
		for c, err := range st.Changes(ctx, tx.CompanyID(), 0, 0) {
			if err != nil {
				return fmt.Errorf("read the change history: %w", err)
			}
			if c.Seq > seq {
				break
			}
			if sharedKinds[c.Entity] && !add(&c) {
				break
			}
		}
		return nil
	})
}

func (h *changeLog) apply(ctx context.Context, tbl *delta.Table, changes []store.Change, opts delta.WriteOptions) (applied, error) {
	batches := encode(h.arrowSchema(), h.cols, func(add func(*store.Change) bool) error {
		for i := range changes {
			if !add(&changes[i]) {
				break
			}
		}
		return nil
	})
	v, err := tbl.Append(ctx, batches, opts)
	if err != nil {
		return applied{}, err
	}
	return applied{committed: true, version: v, inserted: int64(len(changes))}, nil
}
