package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The wrk scripts. Each request of the list cycles through the demo company's
// pages; each upsert replaces one of 400 benchmark people, its last name
// changed every time, so that after the first 400 creates every request is an
// update written through ingest.
const (
	listScript = `local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/companies/demo/people?per_page=%d&page=" .. (n %% %d + 1), {["Authorization"] = "Bearer %s"})
end
`
	upsertScript = `local n = 0
request = function()
  n = n + 1
  local id = string.format("BENCH-%%03d", n %% 400)
  local body = '{"first_name":"Bench","last_name":"Run ' .. n .. '","group_codes":["KS"],"job_title":"APP","hourly_wage":"31.50","email":"' .. string.lower(id) .. '@bench.example.com"}'
  return wrk.format("PUT", "/api/v1/companies/demo/people/by-employee-id/" .. id, {["Authorization"] = "Bearer %s", ["Content-Type"] = "application/json"}, body)
end
`
)

// measureWrk runs the list and upsert measurements with wrk (one thread,
// o.conns connections, latency percentiles) after a one-second warm-up each.
func measureWrk(ctx context.Context, wrk, dir, base, token string, o options) ([]result, error) {
	var out []result
	run := func(name, script string) error {
		path := filepath.Join(dir, strings.Fields(name)[0]+".lua")
		if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
			return err
		}
		warm := exec.CommandContext(ctx, wrk, "-t1", "-c"+strconv.Itoa(o.conns), "-d1s", "-s", path, base)
		if b, err := warm.CombinedOutput(); err != nil {
			return fmt.Errorf("wrk: %v\n%s", err, b)
		}
		cmd := exec.CommandContext(ctx, wrk, "-t1", "-c"+strconv.Itoa(o.conns), "-d"+o.duration.String(), "--latency", "-s", path, base)
		b, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("wrk: %v\n%s", err, b)
		}
		r, err := parseWrk(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, b)
		}
		r.Name, r.Conns, r.At = name+" (wrk)", o.conns, time.Now().UTC().Format(time.RFC3339)
		out = append(out, r)
		return nil
	}
	if o.only == "" || o.only == "list" {
		if err := run("GET people, pages of "+strconv.Itoa(o.perPage), fmt.Sprintf(listScript, o.perPage, 500/o.perPage, token)); err != nil {
			return nil, err
		}
	}
	if o.only == "" || o.only == "upsert" {
		if err := run("PUT person by employee id", fmt.Sprintf(upsertScript, token)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	wrkPct   = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkTotal = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(ms|s|m)`)
	wrkRPS   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkErrs  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkMax   = regexp.MustCompile(`Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(s string) (result, error) {
	var r result
	ms := func(v, unit string) float64 {
		f, _ := strconv.ParseFloat(v, 64)
		switch unit {
		case "us":
			return f / 1000
		case "s":
			return f * 1000
		}
		return f
	}
	for _, m := range wrkPct.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case "50":
			r.P50ms = ms(m[2], m[3])
		case "90":
			r.P90ms = ms(m[2], m[3])
		case "99":
			r.P99ms = ms(m[2], m[3])
		}
	}
	if m := wrkMax.FindStringSubmatch(s); m != nil {
		r.MaxMs = ms(m[1], m[2])
	}
	m := wrkTotal.FindStringSubmatch(s)
	rps := wrkRPS.FindStringSubmatch(s)
	if m == nil || rps == nil || r.P99ms == 0 {
		return r, fmt.Errorf("cannot read wrk's report")
	}
	r.Requests, _ = strconv.Atoi(m[1])
	r.Seconds, _ = strconv.ParseFloat(m[2], 64)
	if m[3] == "ms" {
		r.Seconds /= 1000
	} else if m[3] == "m" {
		r.Seconds *= 60
	}
	r.RPS, _ = strconv.ParseFloat(rps[1], 64)
	if e := wrkErrs.FindStringSubmatch(s); e != nil {
		r.Errors, _ = strconv.Atoi(e[1])
	}
	return r, nil
}
