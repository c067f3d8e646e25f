package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// backend is a hub database the tests run against.
type backend struct {
	name string
	// open returns a new, empty store and the database/sql driver and data
	// source to reach its tables directly.
	open func(t testing.TB) (store.Store, string, string)
}

var backends = []backend{
	{"sqlite", func(t testing.TB) (store.Store, string, string) {
		path := filepath.Join(t.TempDir(), "hub.db")
		return openStore(t, "sqlite://"+path), "sqlite", path
	}},
	{"postgres", func(t testing.TB) (store.Store, string, string) {
		u := testenv.PostgresURL(t)
		return openStore(t, u), "pgx", u
	}},
}

// eachBackend runs fn as a subtest on each backend.
func eachBackend(t *testing.T, fn func(t *testing.T, h *hub)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, driver, dsn := b.open(t)
			fn(t, newHub(t, st, driver, dsn))
		})
	}
}

func openStore(t testing.TB, url string) store.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// hub is a store with one company holding the fixture's codes.
type hub struct {
	t       testing.TB
	st      store.Store
	company planning.Company
	driver  string
	dsn     string
}

var companySeq int

// newHub creates a company with groups KS and CO, job titles APP and FOR, and
// tags OSHA30 and CPR (CPR requires an expiry date).
func newHub(t testing.TB, st store.Store, driver, dsn string) *hub {
	t.Helper()
	ctx := context.Background()
	companySeq++
	c, err := st.CreateCompany(ctx, planning.Company{Slug: fmt.Sprintf("acme-%d", companySeq), Name: "Acme", Timezone: "America/Chicago"}, store.Console("test"))
	if err != nil {
		t.Fatal(err)
	}
	h := &hub{t: t, st: st, company: c, driver: driver, dsn: dsn}
	h.update(func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Groups().Upsert(ctx, []planning.Group{
			{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"},
			{Name: "Colorado", Code: "CO", Timezone: "America/Denver"},
		}); err != nil {
			return err
		}
		if _, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{
			{Name: "Apprentice", Code: "APP", Global: true},
			{Name: "Foreman", Code: "FOR", GroupCodes: []string{"KS"}},
		}); err != nil {
			return err
		}
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{
			{Name: "OSHA 30", Code: "OSHA30", Global: true},
			{Name: "CPR", Code: "CPR", Global: true, RequiresExpiry: true},
		})
		return err
	})
	return h
}

// update runs fn in a write transaction (source console) and fails on error.
func (h *hub) update(fn func(ctx context.Context, tx store.Tx) error) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.st.Update(ctx, h.company.ID, store.Console("test"), func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		h.t.Fatal(err)
	}
}

// view runs fn in a read transaction and fails on error.
func (h *hub) view(fn func(ctx context.Context, tx store.Tx) error) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.st.View(ctx, h.company.ID, func(tx store.Tx) error { return fn(ctx, tx) }); err != nil {
		h.t.Fatal(err)
	}
}

// seq is the company's change-history position.
func (h *hub) seq() int64 {
	h.t.Helper()
	var n int64
	h.view(func(ctx context.Context, tx store.Tx) error {
		var err error
		n, err = tx.HistorySeq(ctx)
		return err
	})
	return n
}

// person returns a stored person by employee id.
func (h *hub) person(key string) planning.Person {
	h.t.Helper()
	var p planning.Person
	h.view(func(ctx context.Context, tx store.Tx) error {
		var err error
		p, err = tx.People().GetByKey(ctx, key)
		return err
	})
	return p
}

// project returns a stored project by project number.
func (h *hub) project(key string) planning.Project {
	h.t.Helper()
	var p planning.Project
	h.view(func(ctx context.Context, tx store.Tx) error {
		var err error
		p, err = tx.Projects().GetByKey(ctx, key)
		return err
	})
	return p
}

// counts is how many records of each kind the company holds, for checking that
// nothing changed.
func (h *hub) counts() string {
	h.t.Helper()
	var out []string
	h.view(func(ctx context.Context, tx store.Tx) error {
		for _, c := range []func() (int, error){
			func() (int, error) { return tx.Groups().Count(ctx, store.Query{}) },
			func() (int, error) { return tx.JobTitles().Count(ctx, store.Query{}) },
			func() (int, error) { return tx.Tags().Count(ctx, store.Query{}) },
			func() (int, error) { return tx.People().Count(ctx, store.Query{}) },
			func() (int, error) { return tx.People().Count(ctx, store.Query{Status: planning.StatusInactive}) },
			func() (int, error) { return tx.Projects().Count(ctx, store.Query{}) },
			func() (int, error) { return tx.Assignments().Count(ctx, store.Query{}) },
		} {
			n, err := c()
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprint(n))
		}
		return nil
	})
	return strings.Join(out, "/")
}

// seed stores people and projects directly (source console).
func (h *hub) seed(people []planning.Person, projects []planning.Project) {
	h.t.Helper()
	h.update(func(ctx context.Context, tx store.Tx) error {
		if len(people) > 0 {
			if _, err := tx.People().Upsert(ctx, people); err != nil {
				return err
			}
		}
		if len(projects) > 0 {
			if _, err := tx.Projects().Upsert(ctx, projects); err != nil {
				return err
			}
		}
		return nil
	})
}

// exec runs a statement on the store's database directly, outside the store.
func (h *hub) exec(query string, args ...any) {
	h.t.Helper()
	db, err := sql.Open(h.driver, h.dsn)
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	if h.driver == "pgx" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := db.Exec(query, args...); err != nil {
		h.t.Fatal(err)
	}
}

func person(n int) planning.Person {
	return planning.Person{
		FirstName: "Pat", LastName: fmt.Sprintf("Worker%d", n), EmployeeID: fmt.Sprintf("E%d", n),
		GroupCodes: []string{"KS"}, JobTitle: "APP", IsAssignable: true,
		Email: fmt.Sprintf("pat%d@example.com", n), MobilePhone: fmt.Sprintf("+1312555%04d", n),
		HourlyWage: planning.DecimalPtr("31.50"), HiredDate: planning.MustParseDate("2020-03-01"),
		Tags: []planning.PersonTag{{Code: "OSHA30"}},
	}
}

func project(n int) planning.Project {
	return planning.Project{
		Name: fmt.Sprintf("Project %d", n), ProjectNumber: fmt.Sprintf("P-%d", n), GroupCodes: []string{"CO", "KS"},
		StartDate: planning.MustParseDate("2026-01-05"), Categories: []planning.Category{{Name: "Level 1", Subcategories: []string{"East"}}},
	}
}

// items wraps values as the records of file, one per line from line 2.
func items[T any](file string, vals ...T) []Item[T] {
	out := make([]Item[T], len(vals))
	for i, v := range vals {
		out[i] = Item[T]{Value: v, Origin: Origin{File: file, Line: i + 2}}
	}
	return out
}

func people(ns ...int) []planning.Person {
	out := make([]planning.Person, len(ns))
	for i, n := range ns {
		out[i] = person(n)
	}
	return out
}

func span(from, to int) []int {
	var out []int
	for n := from; n <= to; n++ {
		out = append(out, n)
	}
	return out
}

func opts(mode Mode) Options {
	return Options{Mode: mode, Source: planning.SourceImport, Actor: "tester"}
}

// today is the company's current day.
func (h *hub) today() planning.Date {
	loc, _ := time.LoadLocation(h.company.Timezone)
	return planning.DateOf(time.Now().In(loc))
}

func (h *hub) plan(set *Set, o Options) *Plan {
	h.t.Helper()
	pl, err := MakePlan(context.Background(), h.st, h.company.Slug, set, o)
	if err != nil {
		h.t.Fatalf("plan: %v", err)
	}
	return pl
}

func (h *hub) apply(pl *Plan, force bool) Result {
	h.t.Helper()
	res, err := Apply(context.Background(), h.st, pl, ApplyOptions{Force: force})
	if err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	return res
}

// counted is a kind plan's counts as "creates/updates/deactivations/unchanged".
func counted(k KindPlan) string {
	return fmt.Sprintf("%d/%d/%d/%d", k.Creates, k.Updates, k.Deactivations, k.Unchanged)
}
