package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// benchPerson is the i-th of a generated crew: every column filled the way a
// real roster fills it (names, contact, job title, wage, dates, address, tags,
// a custom field).
func benchPerson(i int, suffix string) planning.Person {
	hired := planning.NewDate(2000+i%25, time.Month(1+i%12), 1+i%28)
	return planning.Person{
		Meta: planning.Meta{ID: fmt.Sprintf("per_%08d", i), Version: 1,
			CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
			UpdatedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)},
		FirstName: []string{"Ana", "Ben", "Carla", "Dev", "Eli", "Fay", "Gus", "Hana"}[i%8],
		LastName:  fmt.Sprintf("Worker%d%s", i, suffix), Status: planning.StatusActive,
		GroupCodes: []string{[]string{"KS", "MO", "CO", "NE"}[i%4]}, EmployeeID: fmt.Sprintf("E%07d", i),
		IsAssignable: true, Email: fmt.Sprintf("worker%d@example.com", i), MobilePhone: fmt.Sprintf("+1555%07d", i),
		CanReceiveSMS: i%2 == 0, CanReceiveEmail: true, JobTitle: []string{"APP", "JRN", "FOR", "SUP"}[i%4],
		HourlyWage: planning.DecimalPtr(fmt.Sprintf("%d.%02d", 20+i%40, i%100)), HiredDate: hired,
		Address: planning.Address{Address1: fmt.Sprintf("%d Main St", i%9999), City: "Kansas City", State: "KS", PostalCode: "66101", Country: "US"},
		Tags:    []planning.PersonTag{{Code: "OSHA30", Expires: hired}, {Code: "CPR"}},
		Custom:  planning.CustomFields{"shirt_size": []string{"S", "M", "L", "XL"}[i%4]},
	}
}

// benchAssignment is the i-th of generated assignments.
func benchAssignment(i int) planning.Assignment {
	start := planning.NewDate(2026, time.Month(1+i%12), 1+i%20)
	return planning.Assignment{
		Meta: planning.Meta{ID: fmt.Sprintf("asg_%08d", i), Version: 1,
			CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
			UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)},
		PersonID: fmt.Sprintf("per_%08d", i%50_000), ProjectID: fmt.Sprintf("prj_%06d", i%2_000),
		StartDay: start, EndDay: planning.NewDate(2026, start.Month, start.Day+7),
		WorkDays: planning.Weekdays, Category: "Level 2", Status: planning.AssignmentConfirmed,
	}
}

func newBenchTable(b *testing.B, blobs blob.Store, t sharedTable) *delta.Table {
	b.Helper()
	m, err := delta.NewMetadata(t.deltaSchema(), nil, map[string]string{delta.ConfigEnableChangeDataFeed: "true"})
	if err != nil {
		b.Fatal(err)
	}
	tbl := delta.NewTable(blobs, t.name())
	if err := tbl.Create(context.Background(), m, delta.Protocol{}); err != nil {
		b.Fatal(err)
	}
	return tbl
}

// BenchmarkPublishNewTable1M publishes 1,000,000 hub records as a new table on
// the local disk: records encoded into Arrow batches by the shared-table
// columns, written as Parquet with statistics, and committed (the path a
// rebuild takes after reading the store).
//
// The records come from a pool of 10,000 generated ones (with a fresh id per
// row), so that generating test data does not count: reading them from the
// store is measured by BenchmarkRebuildFromStore.
func BenchmarkPublishNewTable1M(b *testing.B) {
	const n = 1_000_000
	pool := make([]planning.Person, 10_000)
	apool := make([]planning.Assignment, 10_000)
	for i := range pool {
		pool[i], apool[i] = benchPerson(i, ""), benchAssignment(i)
	}
	for _, tc := range []struct {
		name string
		t    sharedTable
		fill func(t sharedTable) func(yield func(arrow.RecordBatch, error) bool)
	}{
		{"people", peopleTable, func(sharedTable) func(yield func(arrow.RecordBatch, error) bool) {
			return encode(peopleTable.arrowSchema(), peopleTable.cols, func(add func(*planning.Person) bool) error {
				for i := range n {
					p := pool[i%len(pool)]
					p.ID = "per_" + strconv.Itoa(i)
					add(&p)
				}
				return nil
			})
		}},
		{"assignments", assignmentsTable, func(sharedTable) func(yield func(arrow.RecordBatch, error) bool) {
			return encode(assignmentsTable.arrowSchema(), assignmentsTable.cols, func(add func(*planning.Assignment) bool) error {
				for i := range n {
					a := apool[i%len(apool)]
					a.ID = "asg_" + strconv.Itoa(i)
					add(&a)
				}
				return nil
			})
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			blobs := localBlobs(b)
			for range b.N {
				b.StopTimer()
				tbl := newBenchTable(b, blobs, tc.t)
				b.StartTimer()
				if _, err := tbl.Overwrite(context.Background(), tc.fill(tc.t), delta.WriteOptions{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				blobs = localBlobs(b)
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkMergeOnePercent applies 10,000 change-history entries (people
// renamed, as JSON documents with before and after) to a 1,000,000-row people
// table, the way Sync does: decode, diff, encode, merge with change data.
func BenchmarkMergeOnePercent(b *testing.B) {
	const n, changed = 1_000_000, 10_000
	ctx := context.Background()
	blobs := localBlobs(b)
	tbl := newBenchTable(b, blobs, peopleTable)
	if _, err := tbl.Overwrite(ctx, encode(peopleTable.arrowSchema(), peopleTable.cols, func(add func(*planning.Person) bool) error {
		for i := range n {
			p := benchPerson(i, "")
			add(&p)
		}
		return nil
	}), delta.WriteOptions{RowsPerFile: 128 * 1024}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seq := int64(0)
	b.ResetTimer()
	for it := range b.N {
		b.StopTimer()
		changes := make([]store.Change, changed)
		for k := range changes {
			i := rng.IntN(n)
			before := benchPerson(i, "")
			after := benchPerson(i, fmt.Sprintf("-r%d", it))
			after.Version++
			seq++
			bj, _ := json.Marshal(before)
			aj, _ := json.Marshal(after)
			changes[k] = store.Change{Seq: seq, Entity: planning.KindPerson, EntityID: before.ID, Operation: store.OpUpdate,
				Before: bj, After: aj}
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := peopleTable.apply(ctx, tbl, changes, delta.WriteOptions{RowsPerFile: 128 * 1024,
			Txn: &delta.Txn{AppID: AppID, Version: seq}})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("merge %d: %v, %+v", it, time.Since(t0), res)
		if res.updated < changed*9/10 {
			b.Fatalf("merge updated %d rows, want about %d", res.updated, changed)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/merge")
}

// BenchmarkReplayPublished1000 opens a published table whose log has 1,000
// publish commits (merges with txn actions and change data; checkpoints every
// 10) and reads its latest snapshot from a fresh Table.
func BenchmarkReplayPublished1000(b *testing.B) {
	ctx := context.Background()
	blobs := localBlobs(b)
	tbl := newBenchTable(b, blobs, assignmentsTable)
	var seq int64
	for c := range 1000 {
		a := benchAssignment(c % 200)
		a.Version = int64(c + 1)
		aj, _ := json.Marshal(a)
		seq++
		if _, err := assignmentsTable.apply(ctx, tbl, []store.Change{{Seq: seq, Entity: planning.KindAssignment,
			EntityID: a.ID, Operation: store.OpUpdate, After: aj}}, delta.WriteOptions{Txn: &delta.Txn{AppID: AppID, Version: seq}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		snap, err := delta.NewTable(blobs, tbl.Root()).Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if snap.Version != 1000 {
			b.Fatalf("version %d", snap.Version)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/replay")
}

// BenchmarkRebuildFromStore rebuilds the shared tables of a company with
// 100,000 people (and their 200,000 tags) held in SQLite: the whole path of
// trestle publish --rebuild, reading the store included.
func BenchmarkRebuildFromStore(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	st := openStore(b, "sqlite://"+filepath.Join(b.TempDir(), "hub.db"))
	defer st.Close()
	c, err := st.CreateCompany(ctx, planning.Company{Slug: "big", Name: "Big Co", Timezone: "America/Chicago"}, editor)
	if err != nil {
		b.Fatal(err)
	}
	err = st.Update(ctx, c.ID, editor, func(tx store.Tx) error {
		for _, g := range []string{"KS", "MO", "CO", "NE"} {
			if _, err := tx.Groups().Create(ctx, planning.Group{Name: g, Code: g, Timezone: "America/Chicago"}); err != nil {
				return err
			}
		}
		for _, j := range []string{"APP", "JRN", "FOR", "SUP"} {
			if _, err := tx.JobTitles().Create(ctx, planning.JobTitle{Name: j, Code: j, Global: true}); err != nil {
				return err
			}
		}
		for _, tg := range []string{"OSHA30", "CPR"} {
			if _, err := tx.Tags().Create(ctx, planning.Tag{Name: tg, Code: tg, Global: true}); err != nil {
				return err
			}
		}
		people := make([]planning.Person, n)
		for i := range people {
			people[i] = benchPerson(i, "")
			people[i].Meta = planning.Meta{}
		}
		_, err := tx.People().Upsert(ctx, people)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var rows int64
	for range b.N {
		p := New(st, localBlobs(b), Options{})
		res, err := p.Rebuild(ctx, c.ID)
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Tables["people"].Rows + res.Tables["person_tags"].Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "people/s")
}
