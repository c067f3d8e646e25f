package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// ConfigPrimaryKey is the table property that names a published table's
// primary-key columns, comma-separated ("person_id,tag_code"), so that a
// client applying the change data feed (Trestle's connector, or anyone's)
// knows how to match rows. Delta has no primary keys; readers ignore unknown
// properties.
const ConfigPrimaryKey = "trestle.primaryKey"

// AppID is the application id of the txn actions the publisher commits: their
// version is the last change-history sequence number a table contains.
const AppID = "trestle-publish"

// DefaultBatchChanges is how many change-history entries one publish round
// reads (Options.BatchChanges). A round holds them, with their JSON documents,
// in memory: about 40 MB for 20,000 people.
const DefaultBatchChanges = 20_000

// DefaultRowsPerFile is how many rows a published data file holds at most: a
// merge rewrites only the files holding changed rows, so a change to a few rows
// of a large table rewrites about this many rows, not the whole table.
const DefaultRowsPerFile = 128 * 1024

// Options tunes a Publisher. The zero value is the defaults.
type Options struct {
	// BatchChanges caps the changes applied in one commit per table
	// (DefaultBatchChanges when zero).
	BatchChanges int
	// Write tunes the Delta writes (file size, DefaultRowsPerFile when zero;
	// Parquet options).
	Write delta.WriteOptions
	// Log receives what the publisher does; nil discards it.
	Log *slog.Logger
}

// Publisher writes companies' shared tables into a blob store.
type Publisher struct {
	st    store.Store
	blobs blob.Store
	opts  Options
	log   *slog.Logger
}

// New returns a publisher of st's companies into blobs.
func New(st store.Store, blobs blob.Store, opts Options) *Publisher {
	if opts.BatchChanges <= 0 {
		opts.BatchChanges = DefaultBatchChanges
	}
	if opts.Write.RowsPerFile <= 0 {
		opts.Write.RowsPerFile = DefaultRowsPerFile
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{st: st, blobs: blobs, opts: opts, log: log}
}

// Root returns the blob-store prefix of a company's shared tables.
func Root(companyID string) string { return path.Join(companyID, Schema) }

// TablePath returns the blob-store prefix of one shared table of a company.
func TablePath(companyID, table string) string { return path.Join(Root(companyID), table) }

// Open returns a company's shared table, for reading.
func (p *Publisher) Open(companyID, table string) *delta.Table {
	return delta.NewTable(p.blobs, TablePath(companyID, table))
}

// Result reports one Sync or Rebuild of a company.
type Result struct {
	// Seq is the change-history position every table now includes.
	Seq int64
	// Changes counts the change-history entries read.
	Changes int
	// Tables reports each table written, by name.
	Tables map[string]TableResult
}

// TableResult reports what was written to one table.
type TableResult struct {
	// Version is the table's Delta version after the write.
	Version int64
	// Commits counts the commits written.
	Commits int
	// Rows counts rows written by a rebuild; Inserted, Updated and Deleted
	// count rows changed by merges.
	Rows, Inserted, Updated, Deleted int64
}

func (r *Result) add(name string, a applied) {
	if r.Tables == nil {
		r.Tables = map[string]TableResult{}
	}
	t := r.Tables[name]
	if a.committed {
		t.Commits++
		t.Version = a.version
	}
	t.Inserted += a.inserted
	t.Updated += a.updated
	t.Deleted += a.deleted
	r.Tables[name] = t
}

// tableState is where one table stands.
type tableState struct {
	t        sharedTable
	tbl      *delta.Table
	exists   bool
	stale    bool  // written with another schema: to be rebuilt
	progress int64 // the last change-history seq the table includes
}

func (p *Publisher) states(ctx context.Context, company planning.Company) ([]*tableState, error) {
	out := make([]*tableState, len(sharedTables))
	for i, t := range sharedTables {
		s := &tableState{t: t, tbl: p.Open(company.ID, t.name())}
		snap, err := s.tbl.Snapshot(ctx)
		switch {
		case errors.Is(err, delta.ErrTableNotFound):
		case err != nil:
			return nil, fmt.Errorf("read table %s: %w", t.name(), err)
		default:
			s.exists = true
			if err := checkSchema(snap, t); err != nil {
				// Written by an older Trestle: rebuilt with today's schema.
				s.stale = true
				break
			}
			if txn, ok := snap.AppTransaction(AppID); ok {
				s.progress = txn.Version
			}
		}
		out[i] = s
	}
	return out, nil
}

// checkSchema refuses to merge into a table whose schema is not the one this
// version of Trestle writes.
func checkSchema(snap *delta.Snapshot, t sharedTable) error {
	have, err := snap.Schema()
	if err != nil {
		return fmt.Errorf("table %s: %w", t.name(), err)
	}
	a, _ := json.Marshal(have)
	b, _ := json.Marshal(t.deltaSchema())
	if !bytes.Equal(a, b) {
		return fmt.Errorf("table %s was written with another schema than this version of Trestle writes", t.name())
	}
	return nil
}

// Sync brings a company's shared tables up to date with its change history:
// missing tables are created from the store, then the changes each table does
// not hold yet are applied, at most Options.BatchChanges per commit.
func (p *Publisher) Sync(ctx context.Context, companyIDOrSlug string) (Result, error) {
	company, err := p.st.Company(ctx, companyIDOrSlug)
	if err != nil {
		return Result{}, err
	}
	states, err := p.states(ctx, company)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var missing []*tableState
	for _, s := range states {
		if !s.exists || s.stale {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		if err := p.rebuild(ctx, company, missing, &res); err != nil {
			return res, err
		}
	}
	from := states[0].progress
	for _, s := range states {
		from = min(from, s.progress)
	}
	from = max(from, p.readMark(ctx, company.ID))
	for {
		changes, err := p.changes(ctx, company.ID, from)
		if err != nil {
			return res, err
		}
		if len(changes) == 0 {
			break
		}
		last := changes[len(changes)-1].Seq
		for _, s := range states {
			if err := p.applyTo(ctx, s, changes, last, &res); err != nil {
				return res, err
			}
		}
		res.Changes += len(changes)
		p.writeMark(ctx, company.ID, last)
		from = last
	}
	res.Seq = from
	for _, s := range states {
		res.Seq = max(res.Seq, s.progress)
	}
	return res, nil
}

func (p *Publisher) changes(ctx context.Context, companyID string, after int64) ([]store.Change, error) {
	var out []store.Change
	for c, err := range p.st.Changes(ctx, companyID, after, p.opts.BatchChanges) {
		if err != nil {
			return nil, fmt.Errorf("read the change history: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// applyTo applies the changes a table does not hold yet and that concern it.
func (p *Publisher) applyTo(ctx context.Context, s *tableState, changes []store.Change, last int64, res *Result) error {
	if s.progress >= last {
		return nil
	}
	var mine []store.Change
	for _, c := range changes {
		if c.Seq > s.progress && s.t.feeds(c.Entity) {
			mine = append(mine, c)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	opts := p.opts.Write
	opts.Txn = &delta.Txn{AppID: AppID, Version: last}
	a, err := s.t.apply(ctx, s.tbl, mine, opts)
	switch {
	case errors.Is(err, delta.ErrTxnApplied):
		// Another publisher got there first; pick up its progress.
		snap, err := s.tbl.Snapshot(ctx)
		if err != nil {
			return fmt.Errorf("table %s: %w", s.t.name(), err)
		}
		txn, _ := snap.AppTransaction(AppID)
		s.progress = txn.Version
		return nil
	case err != nil:
		return fmt.Errorf("publish %d changes to table %s: %w", len(mine), s.t.name(), err)
	}
	if a.committed {
		s.progress = last
	}
	res.add(s.t.name(), a)
	p.log.Debug("published changes", "table", s.t.name(), "changes", len(mine), "version", a.version,
		"inserted", a.inserted, "updated", a.updated, "deleted", a.deleted)
	return nil
}

// Rebuild rewrites every shared table of a company from the store, in one
// overwrite commit per table (creating the tables that do not exist), as of one
// consistent view; the change feed records the rewrite.
func (p *Publisher) Rebuild(ctx context.Context, companyIDOrSlug string) (Result, error) {
	company, err := p.st.Company(ctx, companyIDOrSlug)
	if err != nil {
		return Result{}, err
	}
	states := make([]*tableState, len(sharedTables))
	for i, t := range sharedTables {
		states[i] = &tableState{t: t, tbl: p.Open(company.ID, t.name())}
	}
	var res Result
	err = p.rebuild(ctx, company, states, &res)
	return res, err
}

func (p *Publisher) rebuild(ctx context.Context, company planning.Company, states []*tableState, res *Result) error {
	return p.st.View(ctx, company.ID, func(tx store.Tx) error {
		seq, err := tx.HistorySeq(ctx)
		if err != nil {
			return err
		}
		for _, s := range states {
			if err := p.rebuildTable(ctx, company, tx, s, seq, res); err != nil {
				return err
			}
		}
		res.Seq = max(res.Seq, seq)
		return nil
	})
}

func (p *Publisher) rebuildTable(ctx context.Context, company planning.Company, tx store.Tx, s *tableState, seq int64, res *Result) error {
	name := s.t.name()
	m, err := delta.NewMetadata(s.t.deltaSchema(), nil, map[string]string{
		delta.ConfigEnableChangeDataFeed: "true",
		ConfigPrimaryKey:                 strings.Join(s.t.keyColumns(), ","),
	})
	if err != nil {
		return err
	}
	m.Name = name
	m.Description = fmt.Sprintf("%s of %s (%s), published by Trestle", name, company.Name, company.Slug)
	newSchema := false
	switch err := s.tbl.Create(ctx, m, delta.Protocol{}); {
	case errors.Is(err, delta.ErrTableExists):
		snap, err := s.tbl.Snapshot(ctx)
		if err != nil {
			return fmt.Errorf("table %s: %w", name, err)
		}
		newSchema = checkSchema(snap, s.t) != nil
	case err != nil:
		return fmt.Errorf("create table %s: %w", name, err)
	}
	var rows int64
	batches := s.t.snapshot(ctx, p.st, tx, seq)
	counted := func(yield func(arrow.RecordBatch, error) bool) {
		for rec, err := range batches {
			if err == nil {
				rows += rec.NumRows()
			}
			if !yield(rec, err) {
				return
			}
		}
	}
	opts := p.opts.Write
	opts.Txn = &delta.Txn{AppID: AppID, Version: seq}
	var v int64
	if newSchema {
		p.log.Info("shared table has another schema than this version of Trestle writes; rewriting it with the new one", "company", company.Slug, "table", name)
		v, err = s.tbl.OverwriteSchema(ctx, s.t.deltaSchema(), counted, opts)
	} else {
		v, err = s.tbl.Overwrite(ctx, counted, opts)
	}
	switch {
	case errors.Is(err, delta.ErrTxnApplied):
		// The table already holds newer changes than this view; it is current.
		return nil
	case err != nil:
		return fmt.Errorf("rebuild table %s: %w", name, err)
	}
	s.exists, s.stale, s.progress = true, false, seq
	if res.Tables == nil {
		res.Tables = map[string]TableResult{}
	}
	res.Tables[name] = TableResult{Version: v, Commits: 1, Rows: rows}
	p.log.Info("rebuilt shared table", "company", company.Slug, "table", name, "rows", rows, "version", v, "seq", seq)
	return nil
}

// markKey is the blob key of a company's publish mark: a change-history position
// that every table is known to include, so that a restart need not re-read the
// changes of tables that seldom change. Tables may be further ahead (their txn
// versions say how far).
func markKey(companyID string) string { return path.Join(Root(companyID), "_trestle_publish.json") }

type mark struct {
	Seq int64 `json:"seq"`
}

func (p *Publisher) readMark(ctx context.Context, companyID string) int64 {
	obj, err := p.blobs.Open(ctx, markKey(companyID))
	if err != nil {
		return 0
	}
	defer obj.Close()
	var m mark
	if err := json.NewDecoder(obj).Decode(&m); err != nil {
		p.log.Warn("ignoring an unreadable publish mark", "company", companyID, "err", err)
		return 0
	}
	return m.Seq
}

func (p *Publisher) writeMark(ctx context.Context, companyID string, seq int64) {
	b, _ := json.Marshal(mark{Seq: seq})
	if err := p.blobs.Put(ctx, markKey(companyID), bytes.NewReader(b)); err != nil {
		// Only an optimization: the tables' own txn versions stay exact.
		p.log.Warn("could not write the publish mark", "company", companyID, "err", err)
	}
}

// Maintain vacuums a company's tables (data files unreferenced for longer than
// each table's delta.deletedFileRetentionDuration, one week by default) and
// removes log entries older than delta.logRetentionDuration (30 days).
func (p *Publisher) Maintain(ctx context.Context, companyID string) error {
	var errs []error
	for _, t := range sharedTables {
		tbl := p.Open(companyID, t.name())
		snap, err := tbl.Snapshot(ctx)
		if errors.Is(err, delta.ErrTableNotFound) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("table %s: %w", t.name(), err))
			continue
		}
		keep, err := snap.Metadata.DeletedFileRetention()
		if err == nil {
			_, err = tbl.Vacuum(ctx, keep, false)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("vacuum table %s: %w", t.name(), err))
		}
		logKeep, err := snap.Metadata.LogRetention()
		if err == nil {
			_, err = tbl.CleanupLog(ctx, logKeep)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("clean up the log of table %s: %w", t.name(), err))
		}
	}
	return errors.Join(errs...)
}
