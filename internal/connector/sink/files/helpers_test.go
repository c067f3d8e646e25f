package files_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/files"
	"github.com/trestle-dev/trestle/internal/connector/sink/files/filestest"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

var people = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// peopleRows returns a batch of people with the given ids, named "<tag><id>".
func peopleRows(tag string, ids ...int64) arrow.RecordBatch {
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id, tag + string(rune('0'+id%10))}
	}
	return sinktest.Batch(people, rows...)
}

// faulty wraps a store; fail, when set, can fail an operation ("put",
// "delete", "rename", "copy") on a key. The wrapper itself has neither
// Rename nor Copy: blob.Copy streams through it.
type faulty struct {
	blob.Store
	mu   sync.Mutex
	fail func(op, key string) error
}

func (s *faulty) check(op, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail(op, key)
	}
	return nil
}

func (s *faulty) setFail(fn func(op, key string) error) {
	s.mu.Lock()
	s.fail = fn
	s.mu.Unlock()
}

func (s *faulty) Put(ctx context.Context, key string, r io.Reader) error {
	if err := s.check("put", key); err != nil {
		return err
	}
	return s.Store.Put(ctx, key, r)
}

func (s *faulty) Delete(ctx context.Context, key string) error {
	if err := s.check("delete", key); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

// renaming is a faulty store with the local store's Rename.
type renaming struct{ *faulty }

func (s renaming) Rename(ctx context.Context, from, to string) error {
	if err := s.check("rename", from); err != nil {
		return err
	}
	return s.Store.(blob.Renamer).Rename(ctx, from, to)
}

// copying is a faulty store with a Copy of its own, as S3's.
type copying struct{ *faulty }

func (s copying) Copy(ctx context.Context, from, to string) error {
	if err := s.check("copy", from); err != nil {
		return err
	}
	return blob.Copy(ctx, s.Store, from, to)
}

// strategies are the three ways a parquet swap runs: renames (local), server
// copies (S3), and streamed copies (a store with neither).
var strategies = []string{"rename", "copy", "stream"}

// newStore returns a store on a new folder, wrapped for strategy.
func newStore(t *testing.T, strategy string) (blob.Store, *faulty) {
	t.Helper()
	ls, err := local.New(filepath.Join(t.TempDir(), "dest"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	f := &faulty{Store: ls}
	switch strategy {
	case "rename":
		return renaming{f}, f
	case "copy":
		return copying{f}, f
	}
	return f, f
}

func newSink(t *testing.T, store blob.Store, format files.Format) *files.Sink {
	t.Helper()
	s, err := files.New(t.Context(), store, format)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// load runs a full load of batches into s and commits it.
func load(t *testing.T, s sink.Sink, tbl sink.Table, batches ...arrow.RecordBatch) {
	t.Helper()
	l := begin(t, s, tbl, batches...)
	if err := l.Commit(t.Context()); err != nil {
		t.Fatalf("commit %s: %v", tbl.Name, err)
	}
}

// begin starts a full load of tbl and writes batches (released here).
func begin(t *testing.T, s sink.Sink, tbl sink.Table, batches ...arrow.RecordBatch) sink.Load {
	t.Helper()
	l, err := s.BeginFull(t.Context(), tbl)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		err := l.Write(t.Context(), b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// rows returns the canonical rows of a table, sorted.
func rows(t *testing.T, store blob.Store, format files.Format, table string) []string {
	t.Helper()
	r := filestest.NewReader(store, format)
	r.SetSchema(table, people) // for csv, which holds no types
	got, err := r.ReadRows(t.Context(), table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	slices.Sort(got)
	return got
}

func want(batches ...arrow.RecordBatch) []string {
	var out []string
	for _, b := range batches {
		out = append(out, sinktest.CanonicalRows(b)...)
		b.Release()
	}
	slices.Sort(out)
	return out
}

// keys lists the keys under prefix.
func keys(t *testing.T, store blob.Store, prefix string) []string {
	t.Helper()
	var out []string
	for info, err := range store.List(context.Background(), prefix, "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	return out
}

var errCrash = errors.New("simulated crash")

// noLeak waits until the number of goroutines is back to at most n.
func noLeak(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
