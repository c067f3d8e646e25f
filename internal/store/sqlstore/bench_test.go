package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// benchPeople returns n valid people spread over two groups and two job titles.
func benchPeople(n int) []planning.Person {
	out := make([]planning.Person, n)
	for i := range out {
		out[i] = planning.Person{
			FirstName: "Pat", LastName: fmt.Sprintf("Worker%d", i), EmployeeID: fmt.Sprintf("E%07d", i),
			GroupCodes: []string{[]string{"KS", "CO"}[i%2]}, JobTitle: []string{"APP", "FOR"}[i%2], IsAssignable: true,
			Email: fmt.Sprintf("pat%d@example.com", i), MobilePhone: fmt.Sprintf("+1312%07d", i),
			HourlyWage: planning.DecimalPtr("31.50"), HiredDate: planning.MustParseDate("2020-03-01"),
			Address: planning.Address{City: "Kansas City", State: "KS", Country: "US"},
			Tags:    []planning.PersonTag{{Code: "OSHA30", Expires: planning.MustParseDate("2027-01-31")}},
			Custom:  planning.CustomFields{"shirt_size": "L"},
		}
	}
	return out
}

var benchSeq int

func benchCompany(b *testing.B, st store.Store) string {
	ctx := context.Background()
	benchSeq++
	c, err := st.CreateCompany(ctx, planning.Company{Slug: fmt.Sprintf("bench-%d", benchSeq), Name: "Bench", Timezone: "America/Chicago"}, store.Console("bench"))
	if err != nil {
		b.Fatal(err)
	}
	err = st.Update(ctx, c.ID, store.Console("bench"), func(tx store.Tx) error {
		if _, err := tx.Groups().Upsert(ctx, []planning.Group{{Name: "Kansas", Code: "KS", Timezone: "America/Chicago"}, {Name: "Colorado", Code: "CO", Timezone: "America/Denver"}}); err != nil {
			return err
		}
		if _, err := tx.JobTitles().Upsert(ctx, []planning.JobTitle{{Name: "Apprentice", Code: "APP", Global: true}, {Name: "Foreman", Code: "FOR", Global: true}}); err != nil {
			return err
		}
		_, err := tx.Tags().Upsert(ctx, []planning.Tag{{Name: "OSHA 30", Code: "OSHA30", Global: true}})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return c.ID
}

// benchUpsert measures upserting 100,000 new people in one batch (one transaction,
// with history), then the same batch again with every record changed.
func benchUpsert(b *testing.B, open func(testing.TB) store.Store) {
	const n = 100_000
	st := open(b)
	ctx := context.Background()
	for _, phase := range []string{"create", "update"} {
		b.Run(phase, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				company := benchCompany(b, st)
				people := benchPeople(n)
				if phase == "update" {
					if err := st.Update(ctx, company, store.Console("bench"), func(tx store.Tx) error {
						_, err := tx.People().Upsert(ctx, people)
						return err
					}); err != nil {
						b.Fatal(err)
					}
					people = benchPeople(n)
					for j := range people {
						people[j].Union = "Local 101"
					}
				}
				b.StartTimer()
				err := st.Update(ctx, company, store.Console("bench"), func(tx store.Tx) error {
					res, err := tx.People().Upsert(ctx, people)
					if err == nil && res.Created+res.Updated != n {
						return fmt.Errorf("upsert wrote %+v", res)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkUpsertPeople100k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchUpsert(b, func(tb testing.TB) store.Store { return openSQLite(tb) }) })
	b.Run("postgres", func(b *testing.B) { benchUpsert(b, func(tb testing.TB) store.Store { return openPostgres(tb) }) })
}
