// Command api measures the hub's REST API as a client sees it: it starts a real
// "trestle serve --demo" (SQLite, or PostgreSQL with --pg), makes a personal
// access token with the CLI, and drives the API over HTTP from this process
// with --conns connections for --duration each:
//
//   - list: GET /api/v1/companies/demo/people?per_page=100&page=N, cycling
//     through the demo company's pages;
//   - upsert: PUT /api/v1/companies/demo/people/by-employee-id/{id}, one person
//     per request, each connection cycling through its own 50 employee ids
//     and changing the last name every time, so that (after the first 50
//     creates) every request is an update written through ingest.
//
// It prints requests per second and latency percentiles of each, and appends
// them as JSON lines to --out when given. See bench/README.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.trestle, "trestle", "", "trestle binary (default: build ./cmd/trestle with CGO_ENABLED=0)")
	flag.StringVar(&o.pg, "pg", "", "run the hub on this PostgreSQL database URL instead of SQLite (its tables are created fresh in a new schema)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each measurement runs")
	flag.IntVar(&o.conns, "conns", 8, "concurrent connections")
	flag.IntVar(&o.perPage, "per-page", 100, "people per page in the list measurement")
	flag.StringVar(&o.only, "only", "", "run only list or upsert")
	flag.StringVar(&o.out, "out", "", "append results as JSON lines to this file")
	flag.StringVar(&o.wrk, "wrk", "wrk", "the wrk load generator (used when found: it costs the 2 cores less than a Go client); \"\" for the Go client")
	flag.Parse()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/api:", err)
		os.Exit(1)
	}
}

type options struct {
	trestle, pg, only, out, wrk string
	duration                    time.Duration
	conns, perPage              int
}

// result is one measurement.
type result struct {
	Name     string  `json:"name"`
	Database string  `json:"database"`
	Conns    int     `json:"conns"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	At       string  `json:"at"`
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "trestle-bench-api-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := o.trestle
	if bin == "" {
		if bin, err = build(ctx, dir); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	db := []string{"--data-dir", data}
	dbName := "sqlite"
	if o.pg != "" {
		db = append(db, "--database-url", o.pg)
		dbName = "postgres"
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	serve := exec.Command(bin, append([]string{"serve", "--demo", "--http-addr", addr, "--publish=false", "--sftp-addr", "off",
		"--quickconnect=false", "--api-rate-limit", "off", "--log-level", "warn"}, db...)...)
	serve.Stdout, serve.Stderr = logf, logf
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() { serve.Process.Signal(os.Interrupt); serve.Wait() }()
	base := "http://" + addr
	if err := waitReady(ctx, base, time.Minute); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logf.Name())
	}
	cli := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, bin, append(args, db...)...).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("trestle %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return strings.TrimSpace(string(out)), err
	}
	if _, err := cli("user", "create", "--email", "bench@example.com", "--name", "Bench", "--company", "demo=editor"); err != nil {
		return err
	}
	token, err := cli("api", "token", "create", "--user", "bench@example.com", "--scopes", "read,write", "--name", "bench")
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns * 2, MaxConnsPerHost: o.conns * 2}}
	var results []result
	if o.wrk != "" {
		if p, err := exec.LookPath(o.wrk); err == nil {
			r, err := measureWrk(ctx, p, dir, base, token, o)
			if err != nil {
				return err
			}
			results = r
		} else {
			fmt.Fprintf(os.Stderr, "wrk not found (%v); using the Go client\n", err)
		}
	}
	if len(results) == 0 && (o.only == "" || o.only == "list") {
		r, err := measure(ctx, "GET people, pages of "+fmt.Sprint(o.perPage), o, client, func(conn, i int) (*http.Request, error) {
			page := (conn*7+i)%(500/o.perPage) + 1
			req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/companies/demo/people?per_page=%d&page=%d", base, o.perPage, page), nil)
			if req != nil {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return req, err
		})
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	if len(results) == 0 && (o.only == "" || o.only == "upsert") {
		r, err := measure(ctx, "PUT person by employee id", o, client, func(conn, i int) (*http.Request, error) {
			id := fmt.Sprintf("BENCH-%02d-%02d", conn, i%50)
			body, _ := json.Marshal(map[string]any{"first_name": "Bench", "last_name": fmt.Sprintf("Run %d", i), "group_codes": []string{"KS"},
				"job_title": "APP", "hourly_wage": "31.50", "email": strings.ToLower(id) + "@bench.example.com"})
			req, err := http.NewRequest(http.MethodPut, base+"/api/v1/companies/demo/people/by-employee-id/"+id, bytes.NewReader(body))
			if req != nil {
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		})
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	for i := range results {
		results[i].Database = dbName
		fmt.Printf("%-32s %-8s conns %2d: %7.0f req/s  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%d requests, %d errors)\n",
			results[i].Name, dbName, results[i].Conns, results[i].RPS, results[i].P50ms, results[i].P90ms, results[i].P99ms, results[i].MaxMs,
			results[i].Requests, results[i].Errors)
	}
	if o.out != "" {
		f, err := os.OpenFile(o.out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		enc := json.NewEncoder(f)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure sends requests made by next on o.conns connections for o.duration
// (after a one-second warm-up) and times each.
func measure(ctx context.Context, name string, o options, client *http.Client, next func(conn, i int) (*http.Request, error)) (result, error) {
	var (
		wg       sync.WaitGroup
		errs     atomic.Int64
		firstErr atomic.Value
		lats     = make([][]time.Duration, o.conns)
		counting atomic.Bool
		stop     atomic.Bool
	)
	for c := 0; c < o.conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				req, err := next(c, i)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					errs.Add(1)
					continue
				}
				t0 := time.Now()
				res, err := client.Do(req.WithContext(ctx))
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode >= 300 {
						err = fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, res.StatusCode)
					}
				}
				d := time.Since(t0)
				if !counting.Load() {
					continue
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					errs.Add(1)
					continue
				}
				lats[c] = append(lats[c], d)
			}
		}()
	}
	time.Sleep(time.Second)
	counting.Store(true)
	start := time.Now()
	time.Sleep(o.duration)
	counting.Store(false)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	all := slices.Concat(lats...)
	slices.Sort(all)
	if len(all) == 0 {
		if e, ok := firstErr.Load().(error); ok {
			return result{}, fmt.Errorf("%s: no request succeeded: %w", name, e)
		}
		return result{}, fmt.Errorf("%s: no request completed", name)
	}
	if e, ok := firstErr.Load().(error); ok {
		fmt.Fprintf(os.Stderr, "%s: %d errors, the first: %v\n", name, errs.Load(), e)
	}
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)]) / 1e6 }
	return result{Name: name, Conns: o.conns, Requests: len(all), Errors: int(errs.Load()), Seconds: elapsed.Seconds(),
		RPS: float64(len(all)) / elapsed.Seconds(), P50ms: pct(0.5), P90ms: pct(0.9), P99ms: pct(0.99), MaxMs: pct(1),
		At: time.Now().UTC().Format(time.RFC3339)}, nil
}

func build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "trestle")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/trestle")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/trestle (run from the module root, or give --trestle): %v\n%s", err, out)
	}
	return bin, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("trestle serve was not ready within %s", limit)
}
