package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failFirst answers the first len(statuses) requests with those statuses
// (and Retry-After: 1 with 429), then forwards.
func failFirst(statuses ...int) func(w http.ResponseWriter, r *http.Request, n int) bool {
	return func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n > len(statuses) {
			return false
		}
		st := statuses[n-1]
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = io.WriteString(w, `{"errorCode":"INTERNAL_ERROR","message":""}`)
		return true
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	p := f.proxy(t, failFirst(500, 500, 500))
	shares, err := f.newClient(t, p.endpoint(), Options{}).ListShares(ctx)
	if err != nil || len(shares) != 3 || p.count() != 4 {
		t.Errorf("after 500 x3: %v, %d shares, %d attempts (want 4)", err, len(shares), p.count())
	}

	// A POST query, its body sent again each time, after 500 x3 and a 429
	// asking to wait a second: five attempts, the default limit.
	p = f.proxy(t, failFirst(500, 502, 503, 429))
	start := time.Now()
	res, err := f.newClient(t, p.endpoint(), Options{}).Query(ctx, people, QueryOptions{Version: new(int64(1))})
	if err != nil || len(res.Files) == 0 || p.count() != 5 {
		t.Fatalf("query after 500, 502, 503, 429: %v (%d attempts, want 5)", err, p.count())
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("Retry-After: 1 not honoured: retried after %v", d)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	f := newFixture(t)
	p := f.proxy(t, failFirst(503, 503, 503, 503, 503, 503, 503))
	_, err := f.newClient(t, p.endpoint(), Options{}).ListShares(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Status != 503 || !strings.Contains(err.Error(), "gave up after 5 attempts") || p.count() != 5 {
		t.Errorf("always 503: %v after %d attempts", err, p.count())
	}
	p = f.proxy(t, failFirst(503, 503))
	_, err = f.newClient(t, p.endpoint(), Options{Retry: RetryPolicy{MaxAttempts: 1}}).ListShares(context.Background())
	if err == nil || p.count() != 1 {
		t.Errorf("MaxAttempts 1: %v after %d attempts", err, p.count())
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	f := newFixture(t)
	for _, st := range []int{400, 403, 404, 409} {
		p := f.proxy(t, failFirst(st))
		_, err := f.newClient(t, p.endpoint(), Options{}).ListShares(context.Background())
		var e *Error
		if !errors.As(err, &e) || e.Status != st || p.count() != 1 {
			t.Errorf("%d: %v after %d attempts, want 1", st, err, p.count())
		}
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	f := newFixture(t)
	var cut atomic.Int32
	p := f.proxy(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
		if cut.Load() >= 2 {
			return false
		}
		cut.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // no answer at all
		}
		return true
	})
	shares, err := f.newClient(t, p.endpoint(), Options{}).ListShares(context.Background())
	if err != nil || len(shares) != 3 {
		t.Errorf("after two cut connections: %v", err)
	}
	// Nothing listening: the error says how many attempts were made.
	c := stubClient(t, "http://127.0.0.1:1")
	if _, err := c.ListShares(context.Background()); err == nil || !strings.Contains(err.Error(), "gave up after 5 attempts") {
		t.Errorf("refused connection: %v", err)
	}
}

func TestBackoffAndRetryAfter(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := min(p.MaxDelay, p.BaseDelay<<(attempt-1))
		for range 50 {
			if d := p.backoff(attempt); d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, d, ceiling)
			}
		}
	}
	if d := p.backoff(100); d > p.MaxDelay {
		t.Errorf("backoff(100) = %v", d)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"Thu, 01 Jan 2026 00:00:07 GMT": 7 * time.Second,
		"Wed, 31 Dec 2025 00:00:00 GMT": 0,
	} {
		if got, ok := retryAfter(v, now); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-1"} {
		if _, ok := retryAfter(v, now); ok {
			t.Errorf("retryAfter(%q) accepted", v)
		}
	}
	// Retry-After beyond MaxDelay is honoured up to a minute.
	resp := &http.Response{Header: http.Header{"Retry-After": {"3600"}}}
	if d := p.wait(1, resp, now); d != time.Minute {
		t.Errorf("wait with Retry-After 3600 = %v", d)
	}
}

func TestDownloadRetriesAndResumes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	var hits atomic.Int32
	srv := stubServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to a file URL")
		}
		n := hits.Add(1)
		switch {
		case n <= 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case n == 3:
			// Half the file, then the connection is cut.
			w.Header().Set("Content-Length", "1000000")
			_, _ = w.Write(data[:500_000])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			http.ServeContent(w, r, "f.parquet", time.Time{}, bytes.NewReader(data))
		}
	})
	c := stubClient(t, srv.URL)
	rc, err := c.Download(context.Background(), File{URL: srv.URL + "/f.parquet", ID: "f", Size: int64(len(data))})
	must(t, err)
	got, err := io.ReadAll(rc)
	must(t, err)
	must(t, rc.Close())
	if !bytes.Equal(got, data) || hits.Load() != 4 {
		t.Errorf("downloaded %d bytes (equal %v) in %d requests, want all in 4", len(got), bytes.Equal(got, data), hits.Load())
	}
}
