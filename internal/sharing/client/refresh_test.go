package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// expireURLs moves the fixture's URL clock two hours on: every URL handed
// out so far is refused with 403 (the server's URL lifetime is one hour).
func (f *fixture) expireURLs() { f.urlSkew.Add(int64(2 * time.Hour)) }

func TestRefreshToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	opts := QueryOptions{IncludeRefreshToken: true}
	res, err := c.Query(ctx, regions, opts)
	must(t, err)
	if res.RefreshToken == "" || len(res.Files) != 2 {
		t.Fatalf("no refresh token: %+v", res)
	}
	f.expireURLs()
	_, err = c.Download(ctx, res.Files[0])
	if !errors.Is(err, ErrURLExpired) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("download through an expired URL: %v", err)
	}
	fresh, err := c.Refresh(ctx, regions, res.RefreshToken, opts)
	must(t, err)
	key := func(f File) string { return f.ID }
	if !slices.Equal(names(fresh.Files, key), names(res.Files, key)) || fresh.Version != res.Version || fresh.RefreshToken == "" {
		t.Fatalf("refreshed files %v (version %d), want %v (version %d)", names(fresh.Files, key), fresh.Version, names(res.Files, key), res.Version)
	}
	if fresh.Files[0].URL == res.Files[0].URL {
		t.Error("the refreshed URL is the expired one")
	}
	if rows := rowsOf(t, c, fresh.Files); len(rows) != 111 {
		t.Errorf("%d rows through refreshed URLs, want 111", len(rows))
	}
}

// TestRefresherRefreshesOnce: many downloads find their URLs expired at
// once; one refresh serves them all.
func TestRefresherRefreshesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.proxy(t, nil)
	c := f.newClient(t, p.endpoint(), Options{})
	opts := QueryOptions{IncludeRefreshToken: true}
	res, err := c.Query(ctx, people, opts)
	must(t, err)
	r := c.NewRefresher(people, opts, res.Version, res.RefreshToken)
	f.expireURLs()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var rows []string
	for range 4 {
		for _, fl := range res.Files {
			wg.Go(func() {
				rc, err := r.Download(ctx, fl)
				if err != nil {
					t.Error(err)
					return
				}
				got := parquetRows(t, rc)
				mu.Lock()
				rows = append(rows, got...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if len(rows) != 16 {
		t.Errorf("%d rows read, want 4 x 4", len(rows))
	}
	queries := 0
	for _, req := range p.requests {
		if strings.HasSuffix(req, "/query") {
			queries++
		}
	}
	if queries != 2 {
		t.Errorf("%d queries, want the first and one refresh", queries)
	}
	if cur := r.Current(res.Files[0]); cur.URL == res.Files[0].URL || cur.ID != res.Files[0].ID {
		t.Errorf("current file = %+v", cur)
	}
}

// TestRefresherWithoutToken: a time-travel query has no refresh token; the
// same version is asked for again. Changes are asked for again too.
func TestRefresherWithoutToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.newClient(t, "", Options{})
	opts := QueryOptions{Version: new(int64(1))}
	res, err := c.Query(ctx, people, opts)
	must(t, err)
	r := c.NewRefresher(people, opts, res.Version, "")
	ch, err := c.Changes(ctx, people, ChangesOptions{StartingVersion: new(int64(2)), EndingVersion: new(int64(2))})
	must(t, err)
	cr := c.NewChangesRefresher(people, ChangesOptions{StartingVersion: new(int64(2)), EndingVersion: new(int64(2))})
	f.expireURLs()
	var got []string
	for _, fl := range res.Files {
		rc, err := r.Download(ctx, fl)
		must(t, err)
		got = append(got, parquetRows(t, rc)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"1/Ana", "2/Ben", "3/Cy"}) {
		t.Errorf("rows of version 1 after refresh = %v", got)
	}
	got = nil
	for _, fl := range ch.Files {
		rc, err := cr.Download(ctx, fl)
		must(t, err)
		got = append(got, parquetRows(t, rc)...)
	}
	if len(got) != 4 {
		t.Errorf("change rows after refresh = %v", got)
	}
	// A latest-snapshot query whose refresh token is refused: asked for again
	// at its version.
	res, err = c.Query(ctx, people, QueryOptions{})
	must(t, err)
	r = c.NewRefresher(people, QueryOptions{}, res.Version, "not-a-token")
	f.expireURLs()
	rc, err := r.Download(ctx, res.Files[0])
	must(t, err)
	if len(parquetRows(t, rc)) == 0 {
		t.Error("no rows after a fallback refresh")
	}
	// Without history sharing the version cannot be asked for: the latest
	// snapshot is, and its files are matched by id.
	nohist := Table{Share: "acme", Schema: "rp", Name: "nohistory"}
	res, err = c.Query(ctx, nohist, QueryOptions{MaxFiles: 1})
	must(t, err)
	r = c.NewRefresher(nohist, QueryOptions{MaxFiles: 1}, res.Version, res.RefreshToken)
	f.expireURLs()
	rc, err = r.Download(ctx, res.Files[0])
	must(t, err)
	if got := parquetRows(t, rc); !slices.Equal(got, []string{"1/Ana"}) {
		t.Errorf("rows of nohistory after refresh = %v", got)
	}
}

func TestDownloadKnowsExpiryBeforeAsking(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	later := time.Now().Add(3 * time.Hour)
	c := f.newClient(t, "", Options{Clock: func() time.Time { return later }})
	res, err := c.Query(ctx, people, QueryOptions{})
	must(t, err)
	fl := res.Files[0]
	fl.URL = "http://127.0.0.1:1/nothing-listens-here" // a request would fail otherwise
	if _, err := c.Download(ctx, fl); !errors.Is(err, ErrURLExpired) {
		t.Errorf("download of an expired file: %v", err)
	}
	// A missing file is a plain error: not retried, not an expiry.
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such key", http.StatusNotFound) })
	_, err = c.Download(ctx, File{URL: srv.URL + "/f.parquet", ID: "f"})
	var e *Error
	if !errors.As(err, &e) || e.Status != 404 || errors.Is(err, ErrURLExpired) {
		t.Errorf("download of a missing file: %v", err)
	}
	rc, err := c.Download(ctx, File{URL: res.Files[0].URL, ID: "x"})
	must(t, err)
	if b, err := io.ReadAll(rc); err != nil || len(b) == 0 {
		t.Errorf("download: %d bytes, %v", len(b), err)
	}
}
