package sharing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
	"github.com/trestle-dev/trestle/internal/sharing/sharingtest"
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

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// newFixture serves the sharingtest tables (people with history and a change
// feed, partitioned regions, nohistory) over real HTTP with server-signed file
// URLs.
func newFixture(t *testing.T) *fixture {
	tables := sharingtest.Build(t)
	st := tables.Store
	f := &fixture{store: st, tables: tables.ByName, times: tables.PeopleTimes}
	var handler http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)

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
	return sharingtest.ParquetRows(tb, resp.Body)
}
