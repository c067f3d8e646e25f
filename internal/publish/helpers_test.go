package publish

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// backend is a hub database to publish from.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

var backends = []backend{
	{"sqlite", func(t *testing.T) store.Store { return openStore(t, "sqlite://"+filepath.Join(t.TempDir(), "hub.db")) }},
	{"postgres", func(t *testing.T) store.Store { return openStore(t, testenv.PostgresURL(t)) }},
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

func localBlobs(t testing.TB) blob.Store { return localDir(t) }

func localDir(t testing.TB) *local.Store {
	t.Helper()
	b, err := local.New(filepath.Join(t.TempDir(), "tables"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func s3Blobs(t testing.TB) blob.Store {
	t.Helper()
	srv := testenv.S3(t)
	b, err := blobs3.New(context.Background(), blobs3.Options{Bucket: srv.Bucket, Prefix: "hub", Region: srv.Region,
		Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadDemo loads the demo company and returns it.
func loadDemo(t *testing.T, st store.Store) planning.Company {
	t.Helper()
	sum, err := demo.Load(context.Background(), st, "demo", planning.NewDate(2026, time.November, 2))
	if err != nil {
		t.Fatal(err)
	}
	return sum.Company
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// formatRows renders batches as one sorted line per row, each cell as Arrow
// prints it, so tables can be compared as sets of rows.
func formatRows(t testing.TB, batches func(yield func(arrow.RecordBatch, error) bool)) []string {
	t.Helper()
	var out []string
	for rec, err := range batches {
		if err != nil {
			t.Fatal(err)
		}
		for i := range int(rec.NumRows()) {
			cells := make([]string, rec.NumCols())
			for c := range cells {
				col := rec.Column(c)
				if col.IsNull(i) {
					cells[c] = "∅"
				} else {
					cells[c] = col.ValueStr(i)
				}
			}
			out = append(out, strings.Join(cells, " | "))
		}
	}
	slices.Sort(out)
	return out
}

// published returns the rows of a company's table at its latest version.
func published(t testing.TB, p *Publisher, companyID, name string) ([]string, *delta.Snapshot) {
	t.Helper()
	tbl := p.Open(companyID, name)
	snap, err := tbl.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("table %s: %v", name, err)
	}
	return formatRows(t, tbl.Scan(context.Background(), snap)), snap
}

// expected returns the rows every shared table should hold now, by table.
func expected(t testing.TB, st store.Store, companyID string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	must(t, st.View(ctx, companyID, func(tx store.Tx) error {
		seq, err := tx.HistorySeq(ctx)
		if err != nil {
			return err
		}
		for _, s := range sharedTables {
			out[s.name()] = formatRows(t, s.snapshot(ctx, st, tx, seq))
		}
		return nil
	}))
	return out
}

// checkTablesMatch fails the test when a published table differs from the store.
func checkTablesMatch(t testing.TB, st store.Store, p *Publisher, companyID string) {
	t.Helper()
	want := expected(t, st, companyID)
	for _, s := range sharedTables {
		got, snap := published(t, p, companyID, s.name())
		if !slices.Equal(got, want[s.name()]) {
			t.Errorf("table %s (version %d) differs from the store: %s", s.name(), snap.Version, diffRows(got, want[s.name()]))
		}
	}
}

func diffRows(got, want []string) string {
	var extra, missing []string
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			missing = append(missing, w)
		}
	}
	short := func(s []string) string { return strings.Join(s[:min(len(s), 3)], "\n    ") }
	return fmt.Sprintf("got %d rows, want %d\n  unexpected (%d):\n    %s\n  missing (%d):\n    %s",
		len(got), len(want), len(extra), short(extra), len(missing), short(missing))
}
