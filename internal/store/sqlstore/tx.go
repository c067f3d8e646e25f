package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// tx is one transaction on one company's records.
type tx struct {
	s       *Store
	d       *dialect
	q       *sql.Tx
	company planning.Company
	by      store.Actor
	id      string // groups this transaction's history rows
	now     time.Time
	write   bool
	// known caches codes and ids seen to exist in this transaction, by kind, so
	// reference checks query each value once.
	known map[planning.Kind]map[string]bool
	// groupTZ caches group code -> timezone for project defaults.
	groupTZ map[string]string
	// stmts holds the multi-row statements prepared in this transaction.
	stmts map[stmtKey]*sql.Stmt

	groups           *collection[planning.Group, *planning.Group]
	jobTitles        *collection[planning.JobTitle, *planning.JobTitle]
	tags             *collection[planning.Tag, *planning.Tag]
	people           *collection[planning.Person, *planning.Person]
	projects         *collection[planning.Project, *planning.Project]
	assignments      *collection[planning.Assignment, *planning.Assignment]
	timeOff          *collection[planning.TimeOff, *planning.TimeOff]
	resourceRequests *collection[planning.ResourceRequest, *planning.ResourceRequest]
}

func (t *tx) CompanyID() string { return t.company.ID }

// HistorySeq implements store.Tx.
func (t *tx) HistorySeq(ctx context.Context) (int64, error) {
	b := t.d.build().sql("SELECT COALESCE(MAX(seq), 0) FROM change_history WHERE company_id = ").arg(t.company.ID)
	var seq int64
	if err := t.q.QueryRowContext(ctx, b.String(), b.args...).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read change history position: %w", err)
	}
	return seq, nil
}
func (t *tx) Groups() store.Collection[planning.Group]           { return t.groups }
func (t *tx) JobTitles() store.Collection[planning.JobTitle]     { return t.jobTitles }
func (t *tx) Tags() store.Collection[planning.Tag]               { return t.tags }
func (t *tx) People() store.Collection[planning.Person]          { return t.people }
func (t *tx) Projects() store.Collection[planning.Project]       { return t.projects }
func (t *tx) Assignments() store.Collection[planning.Assignment] { return t.assignments }
func (t *tx) TimeOff() store.Collection[planning.TimeOff]        { return t.timeOff }
func (t *tx) ResourceRequests() store.Collection[planning.ResourceRequest] {
	return t.resourceRequests
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, companyID string, by store.Actor, fn func(store.Tx) error) error {
	if !by.Source.Valid() {
		return fmt.Errorf("change source %q is not one of api, import, sftp, quickconnect, console, demo, system", by.Source)
	}
	return s.run(ctx, s.w, companyID, by, true, fn)
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, companyID string, fn func(store.Tx) error) error {
	return s.run(ctx, s.r, companyID, store.Actor{}, false, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, companyID string, by store.Actor, write bool, fn func(store.Tx) error) error {
	company, err := s.txCompany(ctx, companyID)
	if err != nil {
		return err
	}
	opts := &sql.TxOptions{ReadOnly: !write}
	if !write && s.d.postgres() {
		// A view sees one snapshot for all its statements (SQLite read
		// transactions in WAL mode already do).
		opts.Isolation = sql.LevelRepeatableRead
	}
	q, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer q.Rollback()
	if write && s.d.postgres() {
		// Writers to one company take turns, so that history sequence numbers are
		// committed in order and a change feed reading "after seq N" misses nothing.
		//
		// Statements are planned for their parameters every time: pgx keeps them
		// prepared per connection, and a generic plan made while a table was small
		// (say, before an import) scans the whole company once the table is large.
		if _, err := q.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1), set_config('plan_cache_mode', 'force_custom_plan', true)", companyLockKey(company.ID)); err != nil {
			return fmt.Errorf("lock company %s: %w", company.Slug, err)
		}
	}
	t := &tx{s: s, d: s.d, q: q, company: company, by: by, id: uuid.NewString(),
		now: s.now().UTC().Truncate(time.Microsecond), write: write, known: map[planning.Kind]map[string]bool{}}
	t.groups = newCollection(t, groupDesc)
	t.jobTitles = newCollection(t, jobTitleDesc)
	t.tags = newCollection(t, tagDesc)
	t.people = newCollection(t, personDesc)
	t.projects = newCollection(t, projectDesc)
	t.assignments = newCollection(t, assignmentDesc)
	t.timeOff = newCollection(t, timeOffDesc)
	t.resourceRequests = newCollection(t, resourceRequestDesc)
	err = fn(t)
	t.closeStmts()
	if err != nil {
		return err
	}
	return q.Commit()
}

// query runs a read of the transaction. In a View, whose connection comes
// from the read pool, the statement is prepared once per connection and kept
// (the store's statement cache), so hot reads such as the API's pages are not
// parsed every time; writes' transactions run the text as it is.
func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !t.write {
		if st, err := t.s.rc.stmt(ctx, query); err == nil && st != nil {
			return t.q.StmtContext(ctx, st).QueryContext(ctx, args...)
		}
	}
	return t.q.QueryContext(ctx, query, args...)
}

// PageRaw implements store.Pager.
func (s *Store) PageRaw(ctx context.Context, companyID string, kind planning.Kind, q store.Query, fn func(json.RawMessage) error) (int, error) {
	company, err := s.txCompany(ctx, companyID)
	if err != nil {
		return 0, err
	}
	t := &tx{s: s, d: s.d, company: company}
	switch kind {
	case planning.KindGroup:
		return newCollection(t, groupDesc).pageRaw(ctx, q, fn)
	case planning.KindJobTitle:
		return newCollection(t, jobTitleDesc).pageRaw(ctx, q, fn)
	case planning.KindTag:
		return newCollection(t, tagDesc).pageRaw(ctx, q, fn)
	case planning.KindPerson:
		return newCollection(t, personDesc).pageRaw(ctx, q, fn)
	case planning.KindProject:
		return newCollection(t, projectDesc).pageRaw(ctx, q, fn)
	case planning.KindAssignment:
		return newCollection(t, assignmentDesc).pageRaw(ctx, q, fn)
	case planning.KindTimeOff:
		return newCollection(t, timeOffDesc).pageRaw(ctx, q, fn)
	case planning.KindResourceRequest:
		return newCollection(t, resourceRequestDesc).pageRaw(ctx, q, fn)
	}
	return 0, fmt.Errorf("no records of kind %q", kind)
}

// companyLockKey maps a company id to a PostgreSQL advisory lock key.
func companyLockKey(id string) int64 {
	h := fnv.New64a()
	h.Write([]byte("trestle-company:" + id))
	return int64(h.Sum64())
}

// today is the current day in the company's time zone, the day deactivations take
// effect.
func (t *tx) today() planning.Date {
	loc, err := time.LoadLocation(t.company.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return planning.DateOf(t.now.In(loc))
}

// remember notes that values of kind exist.
func (t *tx) remember(kind planning.Kind, vals ...string) {
	m := t.known[kind]
	if m == nil {
		m = map[string]bool{}
		t.known[kind] = m
	}
	for _, v := range vals {
		m[v] = true
	}
}

// groupTimezone returns the time zone of the group with code, or "".
func (t *tx) groupTimezone(ctx context.Context, code string) (string, error) {
	if t.groupTZ == nil {
		t.groupTZ = map[string]string{}
		for g, err := range t.groups.List(ctx, store.Query{}) {
			if err != nil {
				return "", err
			}
			t.groupTZ[g.Code] = g.Timezone
		}
	}
	return t.groupTZ[code], nil
}
