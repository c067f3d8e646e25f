package hubshare

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/auth"
	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	blobs3 "github.com/trestle-dev/trestle/internal/blob/s3"
	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/publish"
	"github.com/trestle-dev/trestle/internal/sharing"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

var admin = store.Console("test")

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// env is a hub with two published companies served over real HTTP.
type env struct {
	st      store.Store
	srv     *httptest.Server
	dir     *local.Store // set when the tables are in a folder
	blobs   blob.Store
	demo    planning.Company
	other   planning.Company
	analyst planning.User
	signer  *fileurl.Signer
}

func newEnv(t testing.TB) *env {
	dir, err := local.New(filepath.Join(t.TempDir(), "tables"))
	must(t, err)
	e := newEnvWith(t, dir)
	e.dir = dir
	return e
}

// newEnvWith builds the env with the published tables in blobs.
func newEnvWith(t testing.TB, blobs blob.Store) *env {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "hub.db"))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	sum, err := demo.Load(ctx, st, "demo", planning.NewDate(2026, time.November, 2))
	must(t, err)
	other, err := st.CreateCompany(ctx, planning.Company{Slug: "other", Name: "Other Co", Timezone: "America/Denver"}, admin)
	must(t, err)
	p := publish.New(st, blobs, publish.Options{})
	for _, c := range []string{sum.Company.ID, other.ID} {
		_, err := p.Sync(ctx, c)
		must(t, err)
	}
	e := &env{st: st, blobs: blobs, demo: sum.Company, other: other}
	e.analyst, err = st.CreateUser(ctx, planning.User{Email: "ana.lyst@example.com", Name: "Ana Lyst"}, admin)
	must(t, err)
	must(t, st.SetMembership(ctx, planning.Membership{UserID: e.analyst.ID, CompanyID: sum.Company.ID, Permission: planning.PermissionViewer, Analytics: true}, admin))

	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	signer := fileurl.NewSigner(bytes.Repeat([]byte("s"), 32), e.srv.URL+"/delta-sharing/files")
	e.signer = signer
	hub := New(st, blobs, signer)
	server := sharing.New(sharing.Config{Prefix: "/delta-sharing", Auth: hub, Catalog: hub})
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			hub.TokenHandler().ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/delta-sharing/files/") {
			signer.ServeHTTP(w, r)
			return
		}
		server.ServeHTTP(w, r)
	})
	return e
}

// token issues a share token for a user.
func (e *env) token(t testing.TB, userID string, expires time.Time) (string, store.ShareToken) {
	id, secret, full := auth.NewToken(auth.ShareTokenPrefix)
	tok, err := e.st.CreateShareToken(context.Background(), store.ShareToken{ID: id, UserID: userID, Hash: auth.Hash(secret), ExpiresAt: expires}, admin)
	must(t, err)
	return full, tok
}

func (e *env) get(t *testing.T, method, p, token, body string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+p, rd)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestPythonClientFlows replays, request by request, what the official Python
// connector does for list_all_tables and load_as_pandas (with and without a
// limit and a predicate) and load_table_changes_as_pandas, and checks with
// DuckDB that the files reached through the URLs hold exactly the hub's rows.
func TestPythonClientFlows(t *testing.T) {
	duck := testenv.DuckDB(t)
	e := newEnv(t)
	tok, _ := e.token(t, e.analyst.ID, time.Time{})

	// list_all_tables: GET /shares (paged), then all-tables of each share.
	code, _, body := e.get(t, "GET", "/delta-sharing/shares", tok, "")
	var shares struct {
		Items []struct{ Name string } `json:"items"`
	}
	must(t, json.Unmarshal(body, &shares))
	if code != 200 || len(shares.Items) != 1 || shares.Items[0].Name != "demo" {
		t.Fatalf("shares: %d %s; want only the demo company's share", code, body)
	}
	code, _, body = e.get(t, "GET", "/delta-sharing/shares/demo/all-tables", tok, "")
	var tables struct {
		Items []struct{ Name, Schema, Share string } `json:"items"`
	}
	must(t, json.Unmarshal(body, &tables))
	if code != 200 || len(tables.Items) != len(publish.Tables()) || tables.Items[0].Schema != "resource_planning" {
		t.Fatalf("all-tables: %d %s", code, body)
	}

	// load_as_pandas("demo.resource_planning.people"): metadata probe, then query.
	base := "/delta-sharing/shares/demo/schemas/resource_planning/tables/people"
	code, hdr, _ := e.get(t, "GET", base+"/metadata", tok, "", "delta-sharing-capabilities", "responseformat=delta,parquet;readerfeatures=deletionvectors,columnmapping,timestampntz")
	if code != 200 || !strings.Contains(hdr.Get("delta-sharing-capabilities"), "responseformat=parquet") {
		t.Fatalf("metadata probe: %d %v", code, hdr)
	}
	want := peopleRows(t, e)
	got := e.duckRows(t, duck, tok, base+"/query", `{}`)
	if !slices.Equal(got, want) {
		t.Fatalf("people read through Delta Sharing: %d rows, hub has %d (first: %v vs %v)", len(got), len(want), head(got), head(want))
	}
	// With a limit: at least that many rows come back (files are whole).
	if got := e.duckRows(t, duck, tok, base+"/query", `{"limitHint":10}`); len(got) < 10 {
		t.Errorf("limitHint 10: %d rows", len(got))
	}
	// With a predicate on a column the files' statistics cover: every matching row comes back.
	pred := `{"op":"equal","children":[{"op":"column","name":"employee_id","valueType":"string"},{"op":"literal","value":"` + strings.Split(want[0], "|")[1] + `","valueType":"string"}]}`
	qb, _ := json.Marshal(map[string]string{"jsonPredicateHints": pred})
	if got := e.duckRows(t, duck, tok, base+"/query", string(qb)); !slices.Contains(got, want[0]) {
		t.Errorf("predicate query lost the matching row %s", want[0])
	}

	// load_table_changes_as_pandas: rename a person, publish, read the change feed.
	ctx := context.Background()
	var renamed planning.Person
	must(t, e.st.Update(ctx, e.demo.ID, admin, func(tx store.Tx) error {
		for p, err := range tx.People().List(ctx, store.Query{Limit: 1}) {
			if err != nil {
				return err
			}
			p.FirstName = "Renamed"
			renamed, err = tx.People().Update(ctx, p)
			return err
		}
		return nil
	}))
	res, err := publish.New(e.st, e.blobs, publish.Options{}).Sync(ctx, e.demo.ID)
	must(t, err)
	v := res.Tables["people"].Version
	code, hdr, body = e.get(t, "GET", base+"/changes?startingVersion="+itoa(v)+"&endingVersion="+itoa(v), tok, "")
	if code != 200 || hdr.Get("Delta-Table-Version") != itoa(v) {
		t.Fatalf("changes: %d %s", code, body)
	}
	var cdfRows []string
	for _, u := range fileURLs(t, body, "cdf") {
		cdfRows = append(cdfRows, e.duckFile(t, duck, u, "id", "first_name", "_change_type")...)
	}
	slices.Sort(cdfRows)
	if !slices.Contains(cdfRows, renamed.ID+"|Renamed|update_postimage") || len(cdfRows) != 2 {
		t.Errorf("change feed of the rename = %v", cdfRows)
	}
}

func head(s []string) []string { return s[:min(3, len(s))] }

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

// peopleRows is the hub's people as "id|employee_id|first_name|last_name|status", sorted.
func peopleRows(t *testing.T, e *env) []string {
	var out []string
	must(t, e.st.View(context.Background(), e.demo.ID, func(tx store.Tx) error {
		for p, err := range tx.People().List(context.Background(), store.Query{}) {
			if err != nil {
				return err
			}
			out = append(out, strings.Join([]string{p.ID, p.EmployeeID, p.FirstName, p.LastName, string(p.Status)}, "|"))
		}
		return nil
	}))
	slices.Sort(out)
	return out
}

// fileURLs returns the url of every line of a kind in an NDJSON body.
func fileURLs(t *testing.T, body []byte, kind string) []string {
	var out []string
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		var m map[string]map[string]any
		must(t, json.Unmarshal(line, &m))
		if f, ok := m[kind]; ok {
			out = append(out, f["url"].(string))
		}
	}
	return out
}

// duckRows queries a table and reads every returned file with DuckDB.
func (e *env) duckRows(t *testing.T, duck *testenv.DuckDBReader, tok, path, body string) []string {
	code, _, resp := e.get(t, "POST", path, tok, body)
	if code != 200 {
		t.Fatalf("query %s: %d %s", body, code, resp)
	}
	var rows []string
	for _, u := range fileURLs(t, resp, "file") {
		rows = append(rows, e.duckFile(t, duck, u, "id", "employee_id", "first_name", "last_name", "status")...)
	}
	slices.Sort(rows)
	return rows
}

// duckFile downloads a URL (as a client would) and reads columns with DuckDB.
func (e *env) duckFile(t *testing.T, duck *testenv.DuckDBReader, u string, cols ...string) []string {
	resp, err := http.Get(u)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	b, _ := io.ReadAll(resp.Body)
	name := filepath.Join(t.TempDir(), filepath.Base(strings.SplitN(mustURL(t, u).Path, "?", 2)[0]))
	must(t, os.WriteFile(name, b, 0o600))
	res := duck.ReadParquet(t, name)
	f := res.Files[0]
	var out []string
	for _, row := range f.Rows {
		var cells []string
		for _, c := range cols {
			i := slices.Index(f.Columns, c)
			if i < 0 {
				t.Fatalf("DuckDB finds no column %s in %v", c, f.Columns)
			}
			s, _ := row[i].(string)
			cells = append(cells, s)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	must(t, err)
	return u
}

// TestAccessEnds: a token reaches only its person's companies; access ends at
// once on revocation, expiry, loss of analytics access, or an inactive person
// record; tampered or expired file URLs are refused.
func TestAccessEnds(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	tok, rec := e.token(t, e.analyst.ID, time.Time{})
	shares := func(tok string) (int, string) {
		code, _, body := e.get(t, "GET", "/delta-sharing/shares", tok, "")
		return code, string(body)
	}
	if code, body := shares(tok); code != 200 || !strings.Contains(body, `"demo"`) || strings.Contains(body, `"other"`) {
		t.Fatalf("shares: %d %s", code, body)
	}
	// Another company's share is as if absent.
	if code, _, _ := e.get(t, "GET", "/delta-sharing/shares/other/all-tables", tok, ""); code != 404 {
		t.Errorf("other company's share: %d, want 404", code)
	}
	// Tampered token secret; token of an unknown id; expired token.
	if code, _ := shares(tok[:len(tok)-2] + "xx"); code != 401 {
		t.Errorf("tampered token: %d", code)
	}
	expired, _ := e.token(t, e.analyst.ID, time.Now().Add(-time.Minute))
	if code, _ := shares(expired); code != 401 {
		t.Errorf("expired token: %d", code)
	}
	// A file URL: works, then tampered or expired is refused.
	_, _, body := e.get(t, "POST", "/delta-sharing/shares/demo/schemas/resource_planning/tables/groups/query", tok, "{}")
	urls := fileURLs(t, body, "file")
	if len(urls) == 0 {
		t.Fatalf("no files: %s", body)
	}
	for u, want := range map[string]int{urls[0]: 200, strings.Replace(urls[0], "exp=", "exp=9", 1): 403, urls[0] + "x": 403} {
		resp, err := http.Get(u)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", u, resp.StatusCode, want)
		}
	}
	// The person record with the analyst's email becomes inactive: access ends.
	must(t, e.st.Update(ctx, e.demo.ID, admin, func(tx store.Tx) error {
		_, err := tx.People().Create(ctx, planning.Person{FirstName: "Ana", LastName: "Lyst", EmployeeID: "AN1", Email: e.analyst.Email,
			GroupCodes: firstGroup(t, tx), Status: planning.StatusInactive})
		return err
	}))
	if code, body := shares(tok); code != 200 || strings.Contains(body, `"demo"`) {
		t.Errorf("after the person became inactive: %d %s", code, body)
	}
	must(t, e.st.Update(ctx, e.demo.ID, admin, func(tx store.Tx) error {
		p, err := tx.People().GetByKey(ctx, "AN1")
		if err != nil {
			return err
		}
		p.Status = planning.StatusActive
		_, err = tx.People().Update(ctx, p)
		return err
	}))
	if code, body := shares(tok); code != 200 || !strings.Contains(body, `"demo"`) {
		t.Fatalf("after the person became active again: %d %s", code, body)
	}
	// Analytics access taken away: gone at once.
	must(t, e.st.SetMembership(ctx, planning.Membership{UserID: e.analyst.ID, CompanyID: e.demo.ID, Permission: planning.PermissionViewer}, admin))
	if code, body := shares(tok); code != 200 || strings.Contains(body, `"demo"`) {
		t.Errorf("after analytics access was removed: %d %s", code, body)
	}
	if code, _, _ := e.get(t, "GET", "/delta-sharing/shares/demo/all-tables", tok, ""); code != 404 {
		t.Errorf("share after analytics access was removed: %d", code)
	}
	// Revoked: 401 on the next request.
	must(t, e.st.RevokeShareToken(ctx, rec.ID, admin))
	if code, _ := shares(tok); code != 401 {
		t.Errorf("revoked token: %d", code)
	}
}

func firstGroup(t *testing.T, tx store.Tx) []string {
	for g, err := range tx.Groups().List(context.Background(), store.Query{Limit: 1}) {
		must(t, err)
		return []string{g.Code}
	}
	t.Fatal("no group")
	return nil
}

// TestS3PresignedURLs: with the published tables in S3, file URLs are S3
// presigned URLs for the configured endpoint, readable without credentials.
func TestS3PresignedURLs(t *testing.T) {
	srv := testenv.S3(t)
	b, err := blobs3.New(context.Background(), blobs3.Options{Bucket: srv.Bucket, Prefix: "hub", Region: srv.Region,
		Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	must(t, err)
	e := newEnvWith(t, b)
	tok, _ := e.token(t, e.analyst.ID, time.Time{})
	code, _, body := e.get(t, "POST", "/delta-sharing/shares/demo/schemas/resource_planning/tables/groups/query", tok, "{}")
	urls := fileURLs(t, body, "file")
	if code != 200 || len(urls) == 0 {
		t.Fatalf("query: %d %s", code, body)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, srv.Endpoint+"/"+srv.Bucket+"/hub/") || !strings.Contains(u, "X-Amz-Signature=") {
			t.Fatalf("file URL %s is not presigned for %s", u, srv.Endpoint)
		}
		resp, err := http.Get(u)
		must(t, err)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(data[:4]) != "PAR1" {
			t.Fatalf("GET presigned URL: %d", resp.StatusCode)
		}
	}
}
