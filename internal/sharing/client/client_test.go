package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	people  = Table{Share: "acme", Schema: "rp", Name: "people"}
	regions = Table{Share: "acme", Schema: "rp", Name: "regions"}
)

func names[T any](items []T, name func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

func TestListsFollowPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.proxy(t, nil)
	c := f.newClient(t, p.endpoint(), Options{ListPageSize: 1})

	shares, err := c.ListShares(ctx)
	must(t, err)
	if got := names(shares, func(s Share) string { return s.Name }); !slices.Equal(got, []string{"acme", "acme2", "acme3"}) {
		t.Fatalf("shares = %v", got)
	}
	if shares[0].ID != "11111111-1111-1111-1111-111111111111" {
		t.Errorf("share id = %q", shares[0].ID)
	}
	if p.count() != 3 {
		t.Errorf("%d requests for 3 shares one per page, want 3", p.count())
	}
	schemas, err := c.ListSchemas(ctx, "acme")
	must(t, err)
	if got := names(schemas, func(s Schema) string { return s.Share + "." + s.Name }); !slices.Equal(got, []string{"acme.rp", "acme.sales"}) {
		t.Errorf("schemas = %v", got)
	}
	tables, err := c.ListTables(ctx, "acme", "rp")
	must(t, err)
	if got := names(tables, Table.String); !slices.Equal(got, []string{"acme.rp.nohistory", "acme.rp.people", "acme.rp.regions"}) {
		t.Errorf("tables of acme.rp = %v", got)
	}
	all, err := c.ListAllTables(ctx, "acme")
	must(t, err)
	if len(all) != 4 || all[3].String() != "acme.sales.people" {
		t.Errorf("all tables of acme = %v", names(all, Table.String))
	}
	everything, err := c.AllTables(ctx)
	must(t, err)
	if len(everything) != 6 {
		t.Errorf("all tables of all shares = %v", names(everything, Table.String))
	}
	sh, err := c.GetShare(ctx, "ACME")
	must(t, err)
	if sh.Name != "acme" {
		t.Errorf("get share = %+v", sh)
	}
}

func TestListAllTablesFallsBackOn404(t *testing.T) {
	f := newFixture(t)
	p := f.proxy(t, func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if strings.HasSuffix(r.URL.Path, "/all-tables") {
			w.WriteHeader(http.StatusNotFound)
			return true
		}
		return false
	})
	c := f.newClient(t, p.endpoint(), Options{})
	tables, err := c.ListAllTables(context.Background(), "acme")
	must(t, err)
	if got := names(tables, Table.String); !slices.Equal(got, []string{"acme.rp.nohistory", "acme.rp.people", "acme.rp.regions", "acme.sales.people"}) {
		t.Errorf("tables = %v", got)
	}
	if !slices.Contains(p.requests, "GET /delta-sharing/shares/acme/schemas") {
		t.Errorf("no fallback to schemas: %v", p.requests)
	}
	// An unknown share is still an error, from the schemas request.
	_, err = c.ListAllTables(context.Background(), "nosuch")
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 {
		t.Errorf("unknown share: %v", err)
	}
}

func TestListStopsOnEmptyPageToken(t *testing.T) {
	n := 0
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		fmt.Fprint(w, `{"items":[{"name":"x"}],"nextPageToken":""}`)
	})
	c := stubClient(t, srv.URL)
	shares, err := c.ListShares(context.Background())
	must(t, err)
	if len(shares) != 1 || n != 1 {
		t.Errorf("shares %v after %d requests, want one after one", shares, n)
	}
}

func TestVersionAndMetadata(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	v, err := c.TableVersion(ctx, people, "")
	must(t, err)
	if v != 3 {
		t.Errorf("version = %d, want 3", v)
	}
	v, err = c.TableVersion(ctx, people, f.times[2].UTC().Format(time.RFC3339Nano))
	must(t, err)
	if v != 2 {
		t.Errorf("version at the time of version 2 = %d", v)
	}
	info, err := c.Metadata(ctx, people, MetadataOptions{})
	must(t, err)
	if info.Version != 3 || info.Format != FormatParquet || info.Protocol.MinReaderVersion != 1 || info.Metadata.ID == "" ||
		info.Metadata.Configuration["delta.enableChangeDataFeed"] != "true" || info.Metadata.Version != -1 || info.Metadata.NumFiles <= 0 {
		t.Errorf("metadata = %+v", info)
	}
	sch, err := info.Metadata.Schema()
	must(t, err)
	if len(sch.Fields) != 2 || sch.Fields[1].Name != "name" {
		t.Errorf("schema = %+v", sch)
	}
	info, err = c.Metadata(ctx, people, MetadataOptions{Version: new(int64(1)), Format: FormatDelta})
	must(t, err)
	if info.Version != 1 || info.Format != FormatDelta || info.Metadata.Version != 1 || info.Protocol.MinWriterVersion == 0 {
		t.Errorf("delta metadata at version 1 = %+v", info)
	}
	info, err = c.Metadata(ctx, regions, MetadataOptions{})
	must(t, err)
	if !slices.Equal(info.Metadata.PartitionColumns, []string{"region"}) {
		t.Errorf("partition columns = %v", info.Metadata.PartitionColumns)
	}
}

func TestQuery(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	res, err := c.Query(ctx, people, QueryOptions{})
	must(t, err)
	if res.Version != 3 || res.Format != FormatParquet || res.Metadata.ID == "" {
		t.Fatalf("query: %+v", res.TableInfo)
	}
	if got := rowsOf(t, c, res.Files); !slices.Equal(got, []string{"1/Ana", "2/Benjamin", "4/Dee", "5/Eve"}) {
		t.Errorf("latest rows = %v", got)
	}
	for _, fl := range res.Files {
		if fl.Kind != KindFile || fl.ID == "" || fl.Size <= 0 || fl.Version != -1 || !fl.ExpirationTimestamp.After(time.Now()) || fl.Stats == "" {
			t.Errorf("file = %+v", fl)
		}
	}
	for v, want := range map[int64][]string{1: {"1/Ana", "2/Ben", "3/Cy"}, 2: {"1/Ana", "2/Benjamin", "4/Dee"}} {
		res, err := c.Query(ctx, people, QueryOptions{Version: new(v)})
		must(t, err)
		if got := rowsOf(t, c, res.Files); res.Version != v || !slices.Equal(got, want) {
			t.Errorf("version %d: header %d rows %v, want %v", v, res.Version, got, want)
		}
		if fl := res.Files[0]; fl.Version != v || fl.Timestamp.IsZero() {
			t.Errorf("time-travel file lacks version or timestamp: %+v", fl)
		}
		res, err = c.Query(ctx, people, QueryOptions{Timestamp: f.times[v].UTC().Format(time.RFC3339Nano)})
		must(t, err)
		if got := rowsOf(t, c, res.Files); res.Version != v || !slices.Equal(got, want) {
			t.Errorf("timestamp of version %d: version %d rows %v", v, res.Version, got)
		}
	}
	// Data changes from version 2: the merge's adds and removes.
	res, err = c.Query(ctx, people, QueryOptions{StartingVersion: new(int64(2))})
	must(t, err)
	kinds := map[string]string{}
	for _, fl := range res.Files {
		kinds[fl.Kind] = fl.ChangeType
		if fl.Version < 2 || fl.Timestamp.IsZero() {
			t.Errorf("data change without version or timestamp: %+v", fl)
		}
	}
	if res.Version != 2 || kinds[KindAdd] != "insert" || kinds[KindRemove] != "delete" {
		t.Errorf("query from version 2: version %d kinds %v", res.Version, kinds)
	}
	if _, err := c.Query(ctx, people, QueryOptions{Version: new(int64(1)), Timestamp: "2024-01-01T00:00:00Z"}); err == nil {
		t.Error("version and timestamp together: no error")
	}
}

func TestQueryPredicatesAndLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	eqKS := `{"op":"equal","children":[{"op":"column","name":"region","valueType":"string"},{"op":"literal","value":"KS","valueType":"string"}]}`
	for _, tc := range []struct {
		name string
		opts QueryOptions
		want []string // regions of the files
	}{
		{"all", QueryOptions{}, []string{"KS", "MO"}},
		{"json predicate", QueryOptions{JSONPredicateHints: eqKS}, []string{"KS"}},
		{"sql predicate", QueryOptions{PredicateHints: []string{"region = 'MO'"}}, []string{"MO"}},
		{"limit", QueryOptions{LimitHint: new(int64(5))}, []string{"KS"}},
	} {
		res, err := c.Query(ctx, regions, tc.opts)
		must(t, err)
		got := names(res.Files, func(f File) string { return f.PartitionValues["region"] })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: regions %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestQueryAndChangesPaging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.proxy(t, nil)
	c := f.newClient(t, p.endpoint(), Options{})
	ids := func(files []File) []string { return names(files, func(f File) string { return f.Kind + f.ID }) }
	for _, format := range []string{FormatParquet, FormatDelta} {
		whole, err := c.Query(ctx, people, QueryOptions{Format: format})
		must(t, err)
		before := p.count()
		paged, err := c.Query(ctx, people, QueryOptions{Format: format, MaxFiles: 1})
		must(t, err)
		if len(whole.Files) < 2 || !slices.Equal(ids(paged.Files), ids(whole.Files)) || paged.Version != whole.Version || paged.Metadata.ID != whole.Metadata.ID {
			t.Errorf("%s: paged files %v, whole %v", format, ids(paged.Files), ids(whole.Files))
		}
		if pages := p.count() - before; pages != len(whole.Files) {
			t.Errorf("%s: %d requests for %d files one per page", format, pages, len(whole.Files))
		}
		if paged.MinURLExpiration.IsZero() {
			t.Errorf("%s: no minUrlExpirationTimestamp", format)
		}
	}
	whole, err := c.Changes(ctx, people, ChangesOptions{StartingVersion: new(int64(0))})
	must(t, err)
	paged, err := c.Changes(ctx, people, ChangesOptions{StartingVersion: new(int64(0)), MaxFiles: 2})
	must(t, err)
	if len(whole.Files) < 3 || !slices.Equal(ids(paged.Files), ids(whole.Files)) {
		t.Errorf("paged changes %v, whole %v", ids(paged.Files), ids(whole.Files))
	}
}

func TestChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	steps := func(res *Result) []string {
		var seq []string
		for _, fl := range res.Files {
			s := fmt.Sprintf("%d:%s", fl.Version, fl.Kind)
			if len(seq) == 0 || seq[len(seq)-1] != s {
				seq = append(seq, s)
			}
		}
		return seq
	}
	res, err := c.Changes(ctx, people, ChangesOptions{StartingVersion: new(int64(1)), EndingVersion: new(int64(3))})
	must(t, err)
	if got := steps(res); res.Version != 1 || !slices.Equal(got, []string{"1:add", "2:cdf", "3:add"}) {
		t.Fatalf("changes: version %d steps %v", res.Version, got)
	}
	var cdf []File
	for _, fl := range res.Files {
		if fl.Kind == KindCDF {
			cdf = append(cdf, fl)
		} else if fl.ChangeType != "insert" || fl.Timestamp.IsZero() {
			t.Errorf("add without change type or timestamp: %+v", fl)
		}
	}
	if got := rowsOf(t, c, cdf); !slices.Equal(got, []string{"2/Ben/update_preimage", "2/Benjamin/update_postimage", "3/Cy/delete", "4/Dee/insert"}) {
		t.Errorf("change data of version 2 = %v", got)
	}
	byTime, err := c.Changes(ctx, people, ChangesOptions{StartingTimestamp: f.times[1].UTC().Format(time.RFC3339Nano),
		EndingTimestamp: f.times[3].UTC().Format(time.RFC3339Nano)})
	must(t, err)
	if !slices.Equal(steps(byTime), steps(res)) {
		t.Errorf("changes by timestamp: %v", steps(byTime))
	}
	// The delta format: add and cdc actions, with historical metadata.
	d, err := c.Changes(ctx, people, ChangesOptions{StartingVersion: new(int64(0)), Format: FormatDelta, IncludeHistoricalMetadata: true})
	must(t, err)
	if got := steps(d); d.Format != FormatDelta || !slices.Equal(got, []string{"1:add", "2:cdf", "3:add"}) {
		t.Errorf("delta changes: format %s steps %v", d.Format, got)
	}
	if len(d.History) != 1 || d.History[0].Version != 0 || d.History[0].ID != d.Metadata.ID {
		t.Errorf("historical metadata = %+v", d.History)
	}
	if _, err := c.Changes(ctx, people, ChangesOptions{}); err == nil {
		t.Error("changes without a start: no error")
	}
}

func TestDeltaFormatQuery(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	res, err := c.Query(ctx, regions, QueryOptions{Format: FormatDelta})
	must(t, err)
	if res.Format != FormatDelta || res.Protocol.MinReaderVersion != 1 || res.Protocol.MinWriterVersion < 2 || res.Metadata.NumFiles != 2 {
		t.Fatalf("delta query: %+v", res.TableInfo)
	}
	for _, fl := range res.Files {
		if fl.Kind != KindFile || !strings.HasPrefix(fl.URL, f.srv.URL) || fl.PartitionValues["region"] == "" || fl.Stats == "" || fl.Size <= 0 || len(fl.ID) != 64 {
			t.Errorf("delta file = %+v", fl)
		}
	}
	if rows := rowsOf(t, c, res.Files); len(rows) != 111 {
		t.Errorf("%d rows, want 111", len(rows))
	}
}

func TestFormatEchoChecked(t *testing.T) {
	f := newFixture(t)
	// A proxy that asks for delta whatever the client asked for.
	p := f.proxy(t, func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		r.Header.Set("delta-sharing-capabilities", "responseformat=delta")
		return false
	})
	c := f.newClient(t, p.endpoint(), Options{})
	_, err := c.Query(context.Background(), people, QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), "asked for the parquet format and got delta") {
		t.Errorf("parquet asked, delta got: %v", err)
	}
}

func TestErrorBodies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	_, err := c.ListSchemas(ctx, "nosuch")
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "RESOURCE_DOES_NOT_EXIST" || e.Message != "share 'nosuch' not found" {
		t.Fatalf("unknown share: %#v", err)
	}
	if got := err.Error(); got != "delta sharing: 404 RESOURCE_DOES_NOT_EXIST: share 'nosuch' not found" {
		t.Errorf("error text = %q", got)
	}
	_, err = c.Query(ctx, Table{Share: "acme", Schema: "rp", Name: "nosuch"}, QueryOptions{})
	if !errors.As(err, &e) || e.Status != 404 || !strings.Contains(e.Message, "does not exist") {
		t.Errorf("unknown table: %v", err)
	}
	_, err = c.Query(ctx, people, QueryOptions{Version: new(int64(99))})
	if !errors.As(err, &e) || e.Status != 400 || e.Code != "INVALID_PARAMETER_VALUE" {
		t.Errorf("version 99: %v", err)
	}
	_, err = c.Query(ctx, Table{Share: "acme", Schema: "rp", Name: "nohistory"}, QueryOptions{Version: new(int64(0))})
	if !errors.As(err, &e) || !strings.Contains(e.Message, "history sharing is not enabled") {
		t.Errorf("time travel without history: %v", err)
	}
	f.tokens.set(aliceToken, false)
	_, err = c.ListShares(ctx)
	if !errors.As(err, &e) || e.Status != 401 || !strings.HasPrefix(err.Error(), "delta sharing: 401 ") {
		t.Errorf("refused token: %v", err)
	}
}

func TestParseTable(t *testing.T) {
	tb, err := ParseTable("acme.rp.people")
	if err != nil || tb != people {
		t.Errorf("ParseTable = %+v, %v", tb, err)
	}
	for _, bad := range []string{"", "acme.rp", "a..b", "a.b.c.d"} {
		if _, err := ParseTable(bad); err == nil {
			t.Errorf("ParseTable(%q): no error", bad)
		}
	}
}
