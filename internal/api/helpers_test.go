package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
	"github.com/trestle-dev/trestle/internal/testenv"
)

// backends are the hub databases the tests run against.
var backends = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "hub.db") }},
	{"postgres", testenv.PostgresURL},
}

// env is a hub with the demo company ("demo"), a second company ("other"), an
// editor and a viewer of demo, and the API served over real HTTP.
type env struct {
	t      testing.TB
	st     store.Store
	srv    *httptest.Server
	api    *api.API
	demo   planning.Company
	other  planning.Company
	editor string // personal access token, read+write, editor of demo
	viewer string // personal access token, read+write scopes, viewer of demo
	reader string // personal access token, read scope only, editor of demo
}

type envOptions struct {
	limit *api.RateLimit
	now   func() time.Time
}

func newEnv(t testing.TB, url string, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	today := planning.DateOf(time.Now())
	if _, err := demo.Load(ctx, st, "demo", today); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, st, "other", today); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st}
	e.demo, _ = st.Company(ctx, "demo")
	e.other, _ = st.Company(ctx, "other")
	limit := o.limit
	if limit == nil {
		limit = &api.RateLimit{} // off unless a test sets one
	}
	e.api = api.New(api.Config{Store: st, RateLimit: limit, MaxBodyBytes: 64 << 10, Now: o.now})
	mux := http.NewServeMux()
	mux.Handle(api.Prefix+"/", e.api)
	mux.Handle("/oauth/token", e.api.TokenHandler(nil))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.editor = e.user("editor@example.com", planning.PermissionEditor, "read,write")
	e.viewer = e.user("viewer@example.com", planning.PermissionViewer, "read,write")
	e.reader = e.user("reader@example.com", planning.PermissionEditor, "read")
	return e
}

// user makes a user with a membership in demo and returns a personal token.
func (e *env) user(email string, perm planning.Permission, scopes string) string {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.st.CreateUser(ctx, planning.User{Email: email, Name: email}, store.Console("test"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.SetMembership(ctx, planning.Membership{UserID: u.ID, CompanyID: e.demo.ID, Permission: perm}, store.Console("test")); err != nil {
		e.t.Fatal(err)
	}
	sc, err := api.ParseScopes(scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	_, tok, err := api.CreatePersonalToken(ctx, e.st, email, "test", sc, time.Now().Add(time.Hour), store.Console("test"))
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// apiError is the error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func (r response) err(t testing.TB) apiError {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body lacks code or message: %s", r.body)
	}
	return e
}

// fields lists the details' fields.
func (e apiError) fields() []string {
	var out []string
	for _, d := range e.Error.Details {
		out = append(out, d.Field)
	}
	return out
}

// do sends a request with a token; body may be a string, []byte or a value
// to encode as JSON.
func (e *env) do(method, path, token string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = e.srv.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// path is a path under the company.
func path(company string, parts ...string) string {
	return api.Prefix + "/companies/" + company + "/" + strings.Join(parts, "/")
}

// oauth asks the token endpoint for a token.
func (e *env) oauth(form url.Values, user, pass string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func wantStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
}

// history lists the company's change history entries for one record.
func (e *env) history(companyID, entityID string) []store.Change {
	e.t.Helper()
	var out []store.Change
	for c, err := range e.st.Changes(context.Background(), companyID, 0, 0) {
		if err != nil {
			e.t.Fatal(err)
		}
		if c.EntityID == entityID {
			out = append(out, c)
		}
	}
	return out
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
