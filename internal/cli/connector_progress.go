package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/trestle-dev/trestle/internal/connector"
)

func termIsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progressBars shows one bar per table on a terminal: bytes downloaded, rows
// loaded, and the outcome.
type progressBars struct {
	p    *mpb.Progress
	mu   sync.Mutex
	bars map[string]*tableBar
}

type tableBar struct {
	bar    *mpb.Bar
	rows   atomic.Int64
	status atomic.Value // string
}

func newProgressBars(w io.Writer) *progressBars {
	return &progressBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(32)), bars: map[string]*tableBar{}}
}

// TableStarted adds the table's bar.
func (b *progressBars) TableStarted(table string, p connector.Plan, files int, bytes int64) {
	tb := &tableBar{}
	tb.status.Store(p.Mode)
	tb.bar = b.p.AddBar(max(bytes, 1),
		mpb.PrependDecorators(decor.Name(table, decor.WCSyncSpaceR), decor.Any(func(decor.Statistics) string {
			return tb.status.Load().(string)
		}, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace), decor.Any(func(decor.Statistics) string {
			return fmt.Sprintf("%d rows", tb.rows.Load())
		}, decor.WCSyncSpace)))
	b.mu.Lock()
	b.bars[table] = tb
	b.mu.Unlock()
}

func (b *progressBars) get(table string) *tableBar {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bars[table]
}

// Progress advances the table's bar.
func (b *progressBars) Progress(table string, bytes, rows int64) {
	if tb := b.get(table); tb != nil {
		tb.bar.IncrInt64(bytes)
		tb.rows.Add(rows)
	}
}

// TableDone completes the table's bar with its outcome.
func (b *progressBars) TableDone(r connector.TableResult) {
	tb := b.get(r.Table)
	if tb == nil {
		return
	}
	if r.Err != nil {
		tb.status.Store("FAILED")
		tb.bar.Abort(false)
		return
	}
	tb.status.Store(r.Plan.Mode + " ok")
	tb.bar.SetTotal(-1, true)
}

func (b *progressBars) wait() {
	b.mu.Lock()
	for _, tb := range b.bars {
		if !tb.bar.Completed() && !tb.bar.Aborted() {
			tb.bar.Abort(false)
		}
	}
	b.mu.Unlock()
	b.p.Wait()
}

// progressLines logs a line per table every interval while it loads, for
// logs that are not a terminal (cron, containers).
type progressLines struct {
	log      *slog.Logger
	interval time.Duration
	mu       sync.Mutex
	tables   map[string]*lineState
}

type lineState struct {
	bytes, total, rows int64
	last               time.Time
}

func newProgressLines(log *slog.Logger, interval time.Duration) *progressLines {
	return &progressLines{log: log, interval: interval, tables: map[string]*lineState{}}
}

// TableStarted remembers the table's size.
func (p *progressLines) TableStarted(table string, _ connector.Plan, _ int, bytes int64) {
	p.mu.Lock()
	p.tables[table] = &lineState{total: bytes, last: time.Now()}
	p.mu.Unlock()
}

// Progress logs the table's progress at most once per interval.
func (p *progressLines) Progress(table string, bytes, rows int64) {
	p.mu.Lock()
	st := p.tables[table]
	if st == nil {
		p.mu.Unlock()
		return
	}
	st.bytes += bytes
	st.rows += rows
	now := time.Now()
	due := now.Sub(st.last) >= p.interval
	if due {
		st.last = now
	}
	b, total, r := st.bytes, st.total, st.rows
	p.mu.Unlock()
	if due {
		p.log.Info("loading", "table", table, "downloaded", fmt.Sprintf("%.1f of %.1f MiB", float64(b)/(1<<20), float64(total)/(1<<20)), "rows", r)
	}
}

// TableDone forgets the table.
func (p *progressLines) TableDone(r connector.TableResult) {
	p.mu.Lock()
	delete(p.tables, r.Table)
	p.mu.Unlock()
}
