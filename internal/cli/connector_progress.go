package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

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
