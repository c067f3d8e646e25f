package csvimport

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/ingest"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// writePeople writes a people.csv of n people; rows whose number is a
// multiple of changeEvery get another last name (changeEvery 0: none).
func writePeople(tb testing.TB, dir string, n, changeEvery int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("employee_id,first_name,last_name,group_codes,job_title,email,mobile_phone,hourly_wage,hired_date,tags\n")
	for i := 1; i <= n; i++ {
		last := fmt.Sprintf("Worker%d", i)
		if changeEvery > 0 && i%changeEvery == 0 {
			last += "-changed"
		}
		fmt.Fprintf(&b, "E%d,Pat,%s,KS,APP,pat%d@example.com,+1312%07d,31.50,2020-03-01,OSHA30\n", i, last, i, i)
	}
	p := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkReplacePeople100k: a 100,000-row people.csv in replace mode
// against a hub already holding those 100,000 people, 5% of the rows changed:
// read, validated, planned and applied (issue 6's figure: under 10 s).
func BenchmarkReplacePeople100k(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			url := "sqlite://" + filepath.Join(b.TempDir(), "hub.db")
			if backend == "postgres" {
				url = testenv.PostgresURL(b)
			}
			ctx := context.Background()
			st, err := sqlstore.Open(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			c, err := st.CreateCompany(ctx, planning.Company{Slug: "bench", Name: "Bench", Timezone: "America/Chicago"}, store.Console("bench"))
			if err != nil {
				b.Fatal(err)
			}
			dir := b.TempDir()
			base := []string{
				write(b, map[string]string{"groups.csv": groups})[0],
				write(b, map[string]string{"job_titles.csv": jobTitles})[0],
				write(b, map[string]string{"tags.csv": "code,name,group_codes\nOSHA30,OSHA 30,All\n"})[0],
			}
			const n = 100_000
			seed := writePeople(b, dir, n, 0)
			start := time.Now()
			rep, err := Import(ctx, st, c.ID, append(base, seed), Options{Source: planning.SourceImport, Actor: "bench"})
			if err != nil || rep.Run.Status != store.ImportApplied {
				b.Fatalf("seed: %v %+v %v", err, rep.Run, rep.Problems)
			}
			b.Logf("seeding %d people (create): %v", n, time.Since(start))
			for i := range b.N {
				changed := writePeople(b, b.TempDir(), n, 20+i%2) // 5% (then 4.8%) changed
				b.ResetTimer()
				start := time.Now()
				rep, err := Import(ctx, st, c.ID, []string{changed}, Options{Mode: ingest.Replace, Source: planning.SourceImport, Actor: "bench"})
				b.StopTimer()
				if err != nil || rep.Run.Status != store.ImportApplied {
					b.Fatalf("replace: %v %+v %v", err, rep.Run, rep.Problems)
				}
				b.Logf("replace of %d people, %d updated: %v", n, rep.Run.Counts["people"].Updated, time.Since(start))
			}
		})
	}
}
