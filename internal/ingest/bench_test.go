package ingest

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// benchPerson is person n as a system of record would send it: groups, job
// title, a tag with an expiry, wage, address and a custom field.
func benchPerson(n int) planning.Person {
	return planning.Person{
		FirstName: "Pat", LastName: fmt.Sprintf("Worker%d", n), EmployeeID: fmt.Sprintf("E%07d", n),
		GroupCodes: []string{[]string{"KS", "CO"}[n%2]}, JobTitle: []string{"APP", "FOR"}[n%2], IsAssignable: true,
		Email: fmt.Sprintf("pat%d@example.com", n), MobilePhone: fmt.Sprintf("+1312%07d", n),
		HourlyWage: planning.DecimalPtr("31.50"), HiredDate: planning.MustParseDate("2020-03-01"),
		Address: planning.Address{City: "Kansas City", State: "KS", Country: "US"},
		Tags:    []planning.PersonTag{{Code: "OSHA30", Expires: planning.MustParseDate("2027-01-31")}},
		Custom:  planning.CustomFields{"shirt_size": "L"},
	}
}

// benchReplace measures a replace of n people against a hub holding n people, 5%
// of the file different from the hub: 4% updated (a new union), and 1% new
// people in place of 1% who left (created and deactivated). The time covers
// MakePlan (validation, reading the hub, comparing) and Apply (one transaction
// with history); the CSV parsing that would come before it is not included.
// owned, when given, are the fields of people the set owns.
func benchReplace(b *testing.B, be backend, n int, owned ...string) {
	ctx := context.Background()
	st, driver, dsn := be.open(b)
	var planTime, applyTime time.Duration
	var planHeap, setHeap float64
	for range b.N {
		b.StopTimer()
		h := newHub(b, st, driver, dsn)
		seed := make([]planning.Person, n)
		for i := range seed {
			seed[i] = benchPerson(i)
		}
		h.update(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.People().Upsert(ctx, seed)
			return err
		})
		seed = nil
		set := &Set{People: make([]Item[planning.Person], n)}
		updated, left := n*4/100, n/100
		for i := range n {
			v := benchPerson(i)
			switch {
			case i < updated:
				v.Union = "Local 101"
			case i >= n-left:
				v = benchPerson(n + i) // someone new in place of one who left
			}
			set.People[i] = Item[planning.Person]{Value: v, Origin: Origin{File: "people.csv", Line: i + 2}}
		}
		var mem runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&mem)
		heap := mem.HeapAlloc
		b.StartTimer()
		start := time.Now()
		o := Options{Mode: Replace, Source: planning.SourceSFTP, Actor: "bench"}
		if len(owned) > 0 {
			o.Owned = map[planning.Kind][]string{planning.KindPerson: owned}
		}
		pl, err := MakePlan(ctx, st, h.company.ID, set, o)
		if err != nil {
			b.Fatal(err)
		}
		planTime += time.Since(start)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&mem)
		planHeap += float64(mem.HeapAlloc) - float64(heap)
		setHeap += float64(heap)
		runtime.KeepAlive(set)
		b.StartTimer()
		if got, want := counted(pl.People), fmt.Sprintf("%d/%d/%d/%d", left, updated, left, n-updated-left); got != want {
			b.Fatalf("plan %s, want %s", got, want)
		}
		start = time.Now()
		if _, err := Apply(ctx, st, pl, ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		applyTime += time.Since(start)
	}
	b.ReportMetric(planTime.Seconds()/float64(b.N), "plan-s/op")
	b.ReportMetric(applyTime.Seconds()/float64(b.N), "apply-s/op")
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "people/s")
	// The heap held with the set in memory, and what the plan adds to it.
	b.ReportMetric(setHeap/float64(b.N)/1e6, "set-MB")
	b.ReportMetric(planHeap/float64(b.N)/1e6, "plan-MB")
}

// BenchmarkReplacePeople100k is the figure: 100,000 people in replace
// mode against a hub of 100,000, 5% changed; target under 10 s on each backend.
//
//	go test -run XXX -bench ReplacePeople100k -benchtime 1x ./internal/ingest/
func BenchmarkReplacePeople100k(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchReplace(b, be, 100_000) })
	}
}

// BenchmarkReplacePeople100kOwned is BenchmarkReplacePeople100k with the set
// owning some fields of people (as a QuickConnect sync with manual override
// fields): every update merges the hub's record with the set's.
//
//	go test -run XXX -bench ReplacePeople100kOwned -benchtime 1x ./internal/ingest/
func BenchmarkReplacePeople100kOwned(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			benchReplace(b, be, 100_000, "first_name", "last_name", "status", "group_codes", "hourly_wage", "union", "custom.shirt_size")
		})
	}
}

// benchMerge measures a merge of m people, all changed, into a hub of n: a set
// small against the hub is planned with keyed lookups (by employee_id, email
// and mobile phone) instead of a scan.
func benchMerge(b *testing.B, be backend, n, m int) {
	ctx := context.Background()
	st, driver, dsn := be.open(b)
	var planTime, applyTime time.Duration
	for range b.N {
		b.StopTimer()
		h := newHub(b, st, driver, dsn)
		seed := make([]planning.Person, n)
		for i := range seed {
			seed[i] = benchPerson(i)
		}
		h.update(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.People().Upsert(ctx, seed)
			return err
		})
		set := &Set{People: make([]Item[planning.Person], m)}
		for i := range m {
			v := benchPerson(i * (n / m))
			v.Union = "Local 101"
			set.People[i] = Item[planning.Person]{Value: v, Origin: Origin{File: "api", Line: i + 1}}
		}
		b.StartTimer()
		start := time.Now()
		pl, err := MakePlan(ctx, st, h.company.ID, set, Options{Mode: Merge, Source: planning.SourceAPI, Actor: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		planTime += time.Since(start)
		if pl.People.Updates != m {
			b.Fatalf("plan: %s", pl.Summary())
		}
		start = time.Now()
		if _, err := Apply(ctx, st, pl, ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
		applyTime += time.Since(start)
	}
	b.ReportMetric(planTime.Seconds()/float64(b.N), "plan-s/op")
	b.ReportMetric(applyTime.Seconds()/float64(b.N), "apply-s/op")
}

// BenchmarkMergePeople10kInto100k plans 10,000 changed people against a hub of
// 100,000 by keyed lookups, and applies them.
//
//	go test -run XXX -bench MergePeople10kInto100k -benchtime 1x ./internal/ingest/
func BenchmarkMergePeople10kInto100k(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchMerge(b, be, 100_000, 10_000) })
	}
}
