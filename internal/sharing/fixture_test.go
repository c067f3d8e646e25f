package sharing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
)

// fixture is a sharing server over real Delta tables in a local folder,
// served over real HTTP with server-signed file URLs.
type fixture struct {
	srv    *httptest.Server
	store  *local.Store
	tables map[string]*delta.Table
	times  []time.Time // commit times of the people table, by version
}

var testTokens = map[string]Recipient{
	"alice-token": {UserID: "alice", TokenID: "t1"},
	"bob-token":   {UserID: "bob", TokenID: "t2"},
}

type mapAuth map[string]Recipient

func (m mapAuth) Authenticate(_ context.Context, tok string) (Recipient, error) {
	r, ok := m[tok]
	if !ok {
		return Recipient{}, ErrUnauthenticated
	}
	return r, nil
}

// testCatalog: alice sees share "acme" (schema "rp": people, regions,
// nohistory) and "acme2"; bob sees "beta" only.
type testCatalog struct {
	f      *fixture
	signer URLSigner
}

func (c testCatalog) Shares(_ context.Context, r Recipient) ([]Share, error) {
	if r.UserID == "alice" {
		return []Share{{Name: "acme", ID: "11111111-1111-1111-1111-111111111111"}, {Name: "acme2"}}, nil
	}
	return []Share{{Name: "beta"}}, nil
}

func (c testCatalog) Tables(ctx context.Context, r Recipient, share string) (Share, []Table, error) {
	shares, _ := c.Shares(ctx, r)
	for _, sh := range shares {
		if !strings.EqualFold(sh.Name, share) {
			continue
		}
		var out []Table
		switch sh.Name {
		case "acme":
			for _, n := range []string{"nohistory", "people", "regions"} {
				out = append(out, Table{Share: sh.Name, Schema: "rp", Name: n, Delta: c.f.tables[n], History: n != "nohistory", Files: c.signer})
			}
		case "acme2":
			out = append(out, Table{Share: sh.Name, Schema: "other", Name: "people", Delta: c.f.tables["people"], History: true, Files: c.signer})
		case "beta":
			out = append(out, Table{Share: sh.Name, Schema: "rp", Name: "people", Delta: c.f.tables["people"], History: true, Files: c.signer})
		}
		return sh, out, nil
	}
	return Share{}, nil, ErrNotFound
}

type signerFunc func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)

func (f signerFunc) SignURL(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	return f(ctx, key, ttl)
}

func peopleSchema() *schema.StructType {
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "name", Type: schema.String, Nullable: true},
	}}
}

func regionsSchema() *schema.StructType {
	return &schema.StructType{Fields: []schema.StructField{
		{Name: "id", Type: schema.Long},
		{Name: "amount", Type: schema.Long, Nullable: true},
		{Name: "region", Type: schema.String, Nullable: true},
	}}
}

type person struct {
	id   int64
	name string
}

func peopleBatch(tb testing.TB, rows ...person) func(yield func(arrow.RecordBatch, error) bool) {
	as, err := datafile.ArrowSchema(peopleSchema())
	if err != nil {
		tb.Fatal(err)
	}
	return func(yield func(arrow.RecordBatch, error) bool) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		defer b.Release()
		for _, r := range rows {
			b.Field(0).(*array.Int64Builder).Append(r.id)
			b.Field(1).(*array.StringBuilder).Append(r.name)
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		yield(rec, nil)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// newFixture builds the tables:
//   - people (CDF on): v0 create, v1 append 1..3, v2 merge (update 2, delete 3,
//     insert 4), v3 append 5;
//   - regions: partitioned by region, two files (KS with amounts 1-10, MO with
//     100-200) committed by hand as another writer would;
//   - nohistory: a copy of people's first version, shared without history.
func newFixture(t *testing.T) *fixture {
	ctx := context.Background()
	st, err := local.New(filepath.Join(t.TempDir(), "tables"))
	must(t, err)
	f := &fixture{store: st, tables: map[string]*delta.Table{}}
	var handler http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)

	people := delta.NewTable(st, "people")
	m, err := delta.NewMetadata(peopleSchema(), nil, map[string]string{delta.ConfigEnableChangeDataFeed: "true"})
	must(t, err)
	must(t, people.Create(ctx, m, delta.Protocol{}))
	step := func() { time.Sleep(15 * time.Millisecond) }
	step()
	_, err = people.Append(ctx, peopleBatch(t, person{1, "Ana"}, person{2, "Ben"}, person{3, "Cy"}), delta.WriteOptions{})
	must(t, err)
	step()
	_, err = people.Merge(ctx, []string{"id"}, peopleBatch(t, person{2, "Benjamin"}, person{4, "Dee"}), [][]any{{int64(3)}}, delta.WriteOptions{})
	must(t, err)
	step()
	_, err = people.Append(ctx, peopleBatch(t, person{5, "Eve"}), delta.WriteOptions{})
	must(t, err)
	for v := int64(0); v <= 3; v++ {
		snap, err := people.SnapshotAt(ctx, v)
		must(t, err)
		f.times = append(f.times, snap.Timestamp)
	}
	f.tables["people"] = people

	nohist := delta.NewTable(st, "nohistory")
	must(t, nohist.Create(ctx, m, delta.Protocol{}))
	_, err = nohist.Append(ctx, peopleBatch(t, person{1, "Ana"}), delta.WriteOptions{})
	must(t, err)
	f.tables["nohistory"] = nohist

	f.tables["regions"] = regionsTable(t, st)

	signer := fileurl.NewSigner(bytes.Repeat([]byte("k"), 32), f.srv.URL+"/delta-sharing/files")
	signer.Register("tables", st)
	sign := signerFunc(func(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
		return signer.Sign("tables", key, ttl)
	})
	server := New(Config{Prefix: "/delta-sharing", Auth: mapAuth(testTokens), Catalog: testCatalog{f: f, signer: sign}})
	mux := http.NewServeMux()
	mux.Handle("/delta-sharing/files/", signer)
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/delta-sharing/files/") {
			mux.ServeHTTP(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
	return f
}

// regionsTable writes a table partitioned by region the way another writer
// would: data files without the partition column, adds with partition values.
func regionsTable(t *testing.T, st *local.Store) *delta.Table {
	ctx := context.Background()
	tbl := delta.NewTable(st, "regions")
	m, err := delta.NewMetadata(regionsSchema(), []string{"region"}, nil)
	must(t, err)
	must(t, tbl.Create(ctx, m, delta.Protocol{}))
	dataSchema := &schema.StructType{Fields: regionsSchema().Fields[:2]}
	as, err := datafile.ArrowSchema(dataSchema)
	must(t, err)
	var actions []delta.Action
	for _, part := range []struct {
		region string
		from   int64
		to     int64
	}{{"KS", 1, 10}, {"MO", 100, 200}} {
		rel := "region=" + part.region + "/part-0.parquet"
		w, err := datafile.NewWriter(ctx, st, path.Join("regions", rel), as, datafile.Options{})
		must(t, err)
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		for i := part.from; i <= part.to; i++ {
			b.Field(0).(*array.Int64Builder).Append(i)
			b.Field(1).(*array.Int64Builder).Append(i)
		}
		rec := b.NewRecordBatch()
		must(t, w.Write(rec))
		rec.Release()
		b.Release()
		info, err := w.Close()
		must(t, err)
		actions = append(actions, delta.Action{Add: &delta.Add{Path: delta.EncodePath(rel), PartitionValues: map[string]string{"region": part.region},
			Size: info.Size, ModificationTime: time.Now().UnixMilli(), DataChange: true, Stats: info.Stats.JSON()}})
	}
	actions = append(actions, delta.Action{CommitInfo: &delta.CommitInfo{Operation: "WRITE"}})
	_, err = tbl.Commit(ctx, 0, actions)
	must(t, err)
	return tbl
}

// response is one answered request.
type response struct {
	status int
	header http.Header
	body   []byte
}

// lines decodes an NDJSON body into one map per line.
func (r response) lines(tb testing.TB) []map[string]json.RawMessage {
	tb.Helper()
	var out []map[string]json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		if len(m) != 1 {
			tb.Fatalf("line %q has %d wrapper keys, want 1", sc.Text(), len(m))
		}
		out = append(out, m)
	}
	return out
}

// kinds lists each line's wrapper key.
func (r response) kinds(tb testing.TB) []string {
	var out []string
	for _, l := range r.lines(tb) {
		for k := range l {
			out = append(out, k)
		}
	}
	return out
}

func (f *fixture) do(tb testing.TB, method, p, token, body string, headers ...string) response {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+p, rd)
	must(tb, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	must(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(tb, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// readParquetURL downloads a file URL and returns its rows as strings.
func readParquetURL(tb testing.TB, url string) []string {
	tb.Helper()
	resp, err := http.Get(url)
	must(tb, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	must(tb, err)
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	must(tb, err)
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	must(tb, err)
	tbl, err := fr.ReadTable(context.Background())
	must(tb, err)
	defer tbl.Release()
	var out []string
	tr := array.NewTableReader(tbl, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := range int(rec.NumRows()) {
			var cells []string
			for c := range int(rec.NumCols()) {
				cells = append(cells, rec.Column(c).ValueStr(i))
			}
			out = append(out, strings.Join(cells, "/"))
		}
	}
	return out
}
