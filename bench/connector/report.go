package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// measurement is one timed operation.
type measurement struct {
	Run   int    `json:"run"`
	Name  string `json:"name"`  // stable id: "pg/copy", "pg/sync-full", ...
	Label string `json:"label"` // what was measured, for people
	Rows  int64  `json:"rows,omitempty"`
	// Bytes is what the operation moved: the CSV file for COPY, the table's
	// Parquet files otherwise.
	Bytes   int64   `json:"bytes,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// CPUSeconds is the connector process's user + system CPU time.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// PeakRSS is the connector process's peak resident set size in bytes;
	// PolledRSS the largest VmHWM polled every 10 ms while it ran.
	PeakRSS   int64  `json:"peak_rss_bytes,omitempty"`
	PolledRSS int64  `json:"polled_rss_bytes,omitempty"`
	Note      string `json:"note,omitempty"`
	Skipped   string `json:"skipped,omitempty"`
	Error     string `json:"error,omitempty"`
}

// check is a figure compared with its target.
type check struct {
	Run    int     `json:"run"`
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Shown  string  `json:"shown"`
	Target string  `json:"target"`
	Met    bool    `json:"met"`
}

// machine describes where the benchmark ran.
type machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	Memory   string `json:"memory"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Postgres string `json:"postgres,omitempty"`
}

func describeMachine(pgVersion string) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Postgres: pgVersion, CPU: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	} else {
		m.Kernel = runtime.GOOS
	}
	return m
}

// report collects the measurements of every run.
type report struct {
	Started  time.Time      `json:"started"`
	Run      int            `json:"run,omitempty"`
	Machine  machine        `json:"machine"`
	Settings map[string]any `json:"settings"`
	Table    tableInfo      `json:"table"`
	Results  []measurement  `json:"measurements"`
	Checks   []check        `json:"checks"`
}

func (r *report) add(m measurement) measurement {
	r.Results = append(r.Results, m)
	return m
}

func (r *report) check(c check) { r.Checks = append(r.Checks, c) }

// failed reports whether a measurement failed (skips are not failures).
func (r *report) failed() bool {
	return slices.ContainsFunc(r.Results, func(m measurement) bool { return m.Error != "" })
}

// mb formats bytes as MB (10^6 bytes).
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// seconds formats a duration in seconds with three significant digits.
func seconds(s float64) string {
	switch {
	case s >= 100:
		return fmt.Sprintf("%.0f s", s)
	case s >= 10:
		return fmt.Sprintf("%.1f s", s)
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	default:
		return fmt.Sprintf("%.0f ms", s*1000)
	}
}

// rate formats a per-second rate, or "" when the time is zero.
func rate(n float64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return n / secs
}

// cells are a measurement's cells: time, CPU, rows/s, MB/s, peak RSS, note.
func (m measurement) cells() []string {
	switch {
	case m.Skipped != "":
		return []string{"skipped", "", "", "", "", m.Skipped}
	case m.Error != "":
		return []string{"FAILED", "", "", "", "", firstLine(m.Error)}
	}
	c := []string{seconds(m.Seconds), "", "", "", "", m.Note}
	if m.CPUSeconds > 0 {
		c[1] = seconds(m.CPUSeconds)
	}
	if m.Rows > 0 {
		c[2] = thousands(int64(rate(float64(m.Rows), m.Seconds)))
	}
	if m.Bytes > 0 {
		c[3] = fmt.Sprintf("%.1f", rate(float64(m.Bytes)/1e6, m.Seconds))
	}
	if m.PeakRSS > 0 {
		c[4] = fmt.Sprintf("%.0f MB", float64(m.PeakRSS)/1e6)
	}
	return c
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// write prints the Markdown summary.
func (r *report) write(w io.Writer) {
	t := r.Table
	fmt.Fprintf(w, "\n## Connector benchmark: %s rows, 15 columns, %s of Parquet in %d files\n\n", thousands(t.Rows), mb(t.Bytes), t.Files)
	m := r.Machine
	fmt.Fprintf(w, "Machine: %s, %d cores, %s, %s; %s", m.CPU, m.Cores, m.Memory, m.Kernel, m.Go)
	if m.Postgres != "" {
		fmt.Fprintf(w, "; %s on the same machine", m.Postgres)
	}
	fmt.Fprintf(w, ". Started %s. MB = 10^6 bytes: Parquet bytes, except for COPY (CSV bytes).\n\n", r.Started.Format(time.RFC3339))
	fmt.Fprintln(w, "| run | measurement | time | connector CPU | rows/s | MB/s | peak RSS | note |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, x := range r.Results {
		fmt.Fprintf(w, "| %d | %s | %s |\n", x.Run, x.Label, strings.Join(x.cells(), " | "))
	}
	if len(r.Checks) > 0 {
		fmt.Fprintln(w, "\n| run | figure | measured | target | met? |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, c := range r.Checks {
			fmt.Fprintf(w, "| %d | %s | %s | %s | %s |\n", c.Run, c.Name, c.Shown, c.Target, yesNo(c.Met))
		}
	}
	r.writeRanges(w)
}

// writeRanges prints, over several runs, the range of each measurement's
// time and of each checked figure.
func (r *report) writeRanges(w io.Writer) {
	runs := 0
	for _, x := range r.Results {
		runs = max(runs, x.Run)
	}
	if runs < 2 {
		return
	}
	fmt.Fprintf(w, "\nRanges over %d runs:\n\n| measurement | time | figure |\n|---|---|---|\n", runs)
	type span struct{ lo, hi float64 }
	widen := func(s *span, v float64) {
		if s.lo == 0 && s.hi == 0 {
			s.lo, s.hi = v, v
		}
		s.lo, s.hi = min(s.lo, v), max(s.hi, v)
	}
	var order []string
	times := map[string]*span{}
	labels := map[string]string{}
	for _, x := range r.Results {
		if x.Seconds <= 0 || x.Error != "" || x.Skipped != "" {
			continue
		}
		if times[x.Name] == nil {
			times[x.Name] = &span{}
			labels[x.Name] = x.Label
			order = append(order, x.Name)
		}
		widen(times[x.Name], x.Seconds)
	}
	for _, n := range order {
		s := times[n]
		fmt.Fprintf(w, "| %s | %s - %s | |\n", labels[n], seconds(s.lo), seconds(s.hi))
	}
	figs := map[string]*span{}
	var forder []string
	for _, c := range r.Checks {
		if figs[c.Name] == nil {
			figs[c.Name] = &span{}
			forder = append(forder, c.Name)
		}
		widen(figs[c.Name], c.Value)
	}
	slices.SortStableFunc(forder, func(a, b string) int { return cmp.Compare(a, b) })
	for _, n := range forder {
		fmt.Fprintf(w, "| %s | | %.3g - %.3g |\n", n, figs[n].lo, figs[n].hi)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// appendJSON appends one JSON line per run to path: the report with that
// run's measurements and checks (the in-process profile run, numbered 0,
// goes with the last run).
func (r *report) appendJSON(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	last := 0
	for _, m := range r.Results {
		last = max(last, m.Run)
	}
	for run := 1; run <= last; run++ {
		one := *r
		one.Run = run
		one.Results, one.Checks = nil, nil
		for _, m := range r.Results {
			if m.Run == run || m.Run == 0 && run == last {
				one.Results = append(one.Results, m)
			}
		}
		for _, c := range r.Checks {
			if c.Run == run {
				one.Checks = append(one.Checks, c)
			}
		}
		if err := enc.Encode(&one); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
