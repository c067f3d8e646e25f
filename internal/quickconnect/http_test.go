package quickconnect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/trestle-dev/trestle/internal/store"
)

// A CSV over HTTP with an ETag: an unchanged file is detected with a
// conditional request and the run skips it; a changed one is applied.
func TestRunCSVOverHTTPWithETag(t *testing.T) {
	var mu sync.Mutex
	body, etag := "emp,first,last\nE1,Ann,One\nE2,Ben,Two\n", `"v1"`
	var conditional, full int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full++
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	st, c := newHub(t)
	ctx := context.Background()
	conn, err := st.SaveQCConnection(ctx, store.QCConnection{CompanyID: c.ID, Name: "hr", Enabled: true, Definition: fmt.Sprintf(`
sources:
  hr: {url: "%s/people.csv"}
entities:
  people: {source: hr}
mapping:
  people:
    fields: {employee_id: emp, first_name: first, last_name: last, group_codes: {value: KS}}
`, srv.URL)}, store.Console("t"))
	if err != nil {
		t.Fatal(err)
	}
	if r := runOnce(t, st, conn); r.Status != store.QCOK || r.Counts["people"].Created != 2 {
		t.Fatalf("first run: %s %s %+v", r.Status, r.Message, r.Counts)
	}
	if r := runOnce(t, st, conn); r.Status != store.QCUnchanged || conditional != 1 {
		t.Fatalf("second run: %s %s (conditional requests %d)", r.Status, r.Message, conditional)
	}
	mu.Lock()
	body, etag = body+"E3,Cy,Three\n", `"v2"`
	mu.Unlock()
	if r := runOnce(t, st, conn); r.Status != store.QCOK || r.Counts["people"].Created != 1 || r.Counts["people"].Unchanged != 2 {
		t.Fatalf("third run: %s %s %+v", r.Status, r.Message, r.Counts)
	}
	if full != 2 {
		t.Errorf("%d full downloads, want 2", full)
	}
}
