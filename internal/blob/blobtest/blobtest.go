// Package blobtest is the conformance suite every blob.Store must pass. A
// backend's test calls Run with a function that returns a new, empty store:
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Store { return newEmptyStore(t) })
//	}
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Run runs the conformance suite. newStore returns a new, empty store for each
// subtest; it should register any cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"ReadAt", testReadAt},
		{"EmptyObject", testEmptyObject},
		{"Replace", testReplace},
		{"PutIfAbsent", testPutIfAbsent},
		{"PutIfAbsentRace", testPutIfAbsentRace},
		{"Missing", testMissing},
		{"Delete", testDelete},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListStartAfter", testListStartAfter},
		{"ListStop", testListStop},
		{"ListPaging", testListPaging},
		{"OddKeys", testOddKeys},
		{"InvalidKeys", testInvalidKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, s blob.Store, key, content string) {
	t.Helper()
	if err := s.Put(ctx(t), key, strings.NewReader(content)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// read returns the whole object, read with Read from the start.
func read(t *testing.T, s blob.Store, key string) string {
	t.Helper()
	o, err := s.Open(ctx(t), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	if int64(len(b)) != o.Size() {
		t.Errorf("%q: Size() = %d, read %d bytes", key, o.Size(), len(b))
	}
	return string(b)
}

func keys(t *testing.T, s blob.Store, prefix, startAfter string) []string {
	t.Helper()
	var got []string
	for info, err := range s.List(ctx(t), prefix, startAfter) {
		if err != nil {
			t.Fatalf("List(%q, %q): %v", prefix, startAfter, err)
		}
		got = append(got, info.Key)
	}
	return got
}

func testRoundTrip(t *testing.T, s blob.Store) {
	key := "tables/people/_delta_log/00000000000000000000.json"
	content := `{"commitInfo":{}}` + "\n"
	before := time.Now().Add(-time.Minute)
	put(t, s, key, content)
	if got := read(t, s, key); got != content {
		t.Errorf("read %q = %q, want %q", key, got, content)
	}
	info, err := s.Stat(ctx(t), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if info.Key != key || info.Size != int64(len(content)) {
		t.Errorf("Stat(%q) = %+v, want key %q size %d", key, info, key, len(content))
	}
	if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat(%q).ModTime = %v, want about now", key, info.ModTime)
	}
}

func testReadAt(t *testing.T, s blob.Store) {
	content := make([]byte, 100_000)
	for i := range content {
		content[i] = byte(i * 7 % 251)
	}
	key := "data/part-0.parquet"
	if err := s.Put(ctx(t), key, bytes.NewReader(content)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	o, err := s.Open(ctx(t), key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	if o.Size() != int64(len(content)) {
		t.Fatalf("Size() = %d, want %d", o.Size(), len(content))
	}
	for _, c := range []struct{ off, n int }{{0, 10}, {99_990, 10}, {50_000, 4096}, {1, 1}, {0, 100_000}} {
		p := make([]byte, c.n)
		n, err := o.ReadAt(p, int64(c.off))
		if err != nil && !(err == io.EOF && c.off+c.n == len(content)) {
			t.Errorf("ReadAt(%d bytes at %d): %v", c.n, c.off, err)
		}
		if n != c.n || !bytes.Equal(p[:n], content[c.off:c.off+c.n]) {
			t.Errorf("ReadAt(%d bytes at %d) = %d bytes, wrong content", c.n, c.off, n)
		}
	}
	// Past the end: fewer bytes and io.EOF.
	p := make([]byte, 20)
	n, err := o.ReadAt(p, 99_990)
	if n != 10 || err != io.EOF || !bytes.Equal(p[:n], content[99_990:]) {
		t.Errorf("ReadAt(20 bytes at 99990) = %d, %v; want 10, io.EOF", n, err)
	}
	if n, err := o.ReadAt(p, 100_000); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
	}
	// ReadAt does not disturb sequential reading.
	all, err := io.ReadAll(o)
	if err != nil || !bytes.Equal(all, content) {
		t.Errorf("ReadAll after ReadAt: %d bytes, %v; want the whole object", len(all), err)
	}
}

func testEmptyObject(t *testing.T, s blob.Store) {
	put(t, s, "empty", "")
	if got := read(t, s, "empty"); got != "" {
		t.Errorf("read empty object = %q", got)
	}
	if info, err := s.Stat(ctx(t), "empty"); err != nil || info.Size != 0 {
		t.Errorf("Stat(empty) = %+v, %v; want size 0", info, err)
	}
}

func testReplace(t *testing.T, s blob.Store) {
	put(t, s, "a/x", "first version, longer")
	put(t, s, "a/x", "second")
	if got := read(t, s, "a/x"); got != "second" {
		t.Errorf("after replace, read = %q, want %q", got, "second")
	}
	if got := keys(t, s, "", ""); !slices.Equal(got, []string{"a/x"}) {
		t.Errorf("after replace, List = %q, want [a/x]", got)
	}
}

func testPutIfAbsent(t *testing.T, s blob.Store) {
	key := "log/00000000000000000001.json"
	if err := s.PutIfAbsent(ctx(t), key, strings.NewReader("one")); err != nil {
		t.Fatalf("first PutIfAbsent: %v", err)
	}
	err := s.PutIfAbsent(ctx(t), key, strings.NewReader("two"))
	if !errors.Is(err, blob.ErrExist) {
		t.Fatalf("second PutIfAbsent = %v, want ErrExist", err)
	}
	if !strings.Contains(err.Error(), key) {
		t.Errorf("error %q does not name the key %q", err, key)
	}
	if got := read(t, s, key); got != "one" {
		t.Errorf("after second PutIfAbsent, read = %q, want %q", got, "one")
	}
	if got := keys(t, s, "", ""); !slices.Equal(got, []string{key}) {
		t.Errorf("List = %q, want only %q (no temporary files)", got, key)
	}
	// PutIfAbsent over a Put object fails too.
	put(t, s, "log/p", "put")
	if err := s.PutIfAbsent(ctx(t), "log/p", strings.NewReader("x")); !errors.Is(err, blob.ErrExist) {
		t.Errorf("PutIfAbsent over Put object = %v, want ErrExist", err)
	}
}

// testPutIfAbsentRace has many writers race for each of a few keys: exactly one
// must win each key, and the key must hold the winner's content.
func testPutIfAbsentRace(t *testing.T, s blob.Store) {
	RacePutIfAbsent(t, s, 3, 8)
}

// RacePutIfAbsent has writers goroutines race PutIfAbsent for each of nkeys keys
// and fails t unless exactly one wins each key and the key holds its content.
func RacePutIfAbsent(t *testing.T, s blob.Store, nkeys, writers int) {
	t.Helper()
	for k := range nkeys {
		key := fmt.Sprintf("race/_delta_log/%020d.json", k)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []int
			errs    []error
		)
		start := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				<-start
				err := s.PutIfAbsent(ctx(t), key, strings.NewReader(fmt.Sprintf("writer %d", w)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					winners = append(winners, w)
				case !errors.Is(err, blob.ErrExist):
					errs = append(errs, err)
				}
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			t.Errorf("racing PutIfAbsent(%q): %v", key, err)
		}
		if len(winners) != 1 {
			t.Fatalf("%d writers raced PutIfAbsent(%q): %d won (%v), want exactly 1", writers, key, len(winners), winners)
		}
		if got, want := read(t, s, key), fmt.Sprintf("writer %d", winners[0]); got != want {
			t.Errorf("%q holds %q, want the winner's %q", key, got, want)
		}
	}
}

func testMissing(t *testing.T, s blob.Store) {
	put(t, s, "present/x", "x")
	for _, key := range []string{"missing", "present/missing", "present/x/below", "present"} {
		if _, err := s.Open(ctx(t), key); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want ErrNotExist", key, err)
		} else if !strings.Contains(err.Error(), key) {
			t.Errorf("Open(%q) error %q does not name the key", key, err)
		}
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("Stat(%q) = %v, want ErrNotExist", key, err)
		}
	}
	if got := keys(t, s, "missing/", ""); len(got) != 0 {
		t.Errorf("List(missing/) = %q, want nothing", got)
	}
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "d/one", "1")
	put(t, s, "d/two", "2")
	for range 2 { // idempotent
		if err := s.Delete(ctx(t), "d/one"); err != nil {
			t.Fatalf("Delete(d/one): %v", err)
		}
	}
	if err := s.Delete(ctx(t), "never/existed"); err != nil {
		t.Errorf("Delete(never/existed) = %v, want nil", err)
	}
	if _, err := s.Stat(ctx(t), "d/one"); !errors.Is(err, blob.ErrNotExist) {
		t.Errorf("Stat after Delete = %v, want ErrNotExist", err)
	}
	if got := keys(t, s, "", ""); !slices.Equal(got, []string{"d/two"}) {
		t.Errorf("List after Delete = %q, want [d/two]", got)
	}
	// The key can be taken again after Delete, even with PutIfAbsent.
	if err := s.PutIfAbsent(ctx(t), "d/one", strings.NewReader("again")); err != nil {
		t.Errorf("PutIfAbsent after Delete: %v", err)
	}
	if err := s.Delete(ctx(t), "d/two"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx(t), "d/one"); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, s, "", ""); len(got) != 0 {
		t.Errorf("List after deleting all = %q, want nothing", got)
	}
	put(t, s, "d/three", "3") // the emptied prefix is usable again
}

// orderKeys mixes "/" with characters that sort before it ('-', '.', ' ', '!'),
// where a per-folder walk goes wrong.
var orderKeys = []string{
	"a/b", "a-b", "a/c", "a.b", "a b", "a!", "a/b/c", "b", "a0", "ab", "a/a/z", "a-/x", "z/y/x",
}

func putAll(t *testing.T, s blob.Store, keys []string) {
	t.Helper()
	for _, k := range keys {
		put(t, s, k, "content of "+k)
	}
}

func testListOrder(t *testing.T, s blob.Store) {
	// A store may not hold both "a/b" and "a/b/c" (a local folder cannot).
	ks := slices.DeleteFunc(slices.Clone(orderKeys), func(k string) bool { return k == "a/b/c" })
	putAll(t, s, ks)
	want := slices.Sorted(slices.Values(ks))
	if got := keys(t, s, "", ""); !slices.Equal(got, want) {
		t.Errorf("List = %q\nwant %q", got, want)
	}
	for info, err := range s.List(ctx(t), "a.", "") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != "a.b" || info.Size != int64(len("content of a.b")) {
			t.Errorf("List(a.) yielded %+v, want a.b with size %d", info, len("content of a.b"))
		}
	}
}

func testListPrefix(t *testing.T, s blob.Store) {
	ks := slices.DeleteFunc(slices.Clone(orderKeys), func(k string) bool { return k == "a/b" })
	putAll(t, s, ks)
	for _, prefix := range []string{"a", "a/", "a/b", "a/b/", "a-", "a.", "z/y", "z/y/", "q", "a/a/z", "a/a/z/"} {
		var want []string
		for _, k := range slices.Sorted(slices.Values(ks)) {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := keys(t, s, prefix, ""); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q\nwant %q", prefix, got, want)
		}
	}
}

func testListStartAfter(t *testing.T, s blob.Store) {
	ks := slices.DeleteFunc(slices.Clone(orderKeys), func(k string) bool { return k == "a/b/c" })
	putAll(t, s, ks)
	sorted := slices.Sorted(slices.Values(ks))
	for _, c := range []struct{ prefix, after string }{
		{"", "a"}, {"", "a/"}, {"a", "a/b"}, {"a", "a-b"}, {"", "a/a"}, {"", "a.b"},
		{"a/", "a/b"}, {"", "z"}, {"", "a/c"}, {"", "0"}, {"b", "a"}, {"a", "b"},
	} {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, c.prefix) && k > c.after {
				want = append(want, k)
			}
		}
		if got := keys(t, s, c.prefix, c.after); !slices.Equal(got, want) {
			t.Errorf("List(%q, startAfter %q) = %q\nwant %q", c.prefix, c.after, got, want)
		}
	}
}

func testListStop(t *testing.T, s blob.Store) {
	putAll(t, s, []string{"s/1", "s/2", "s/3"})
	var got []string
	for info, err := range s.List(ctx(t), "s/", "") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Key)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, []string{"s/1", "s/2"}) {
		t.Errorf("List stopped after two = %q", got)
	}
}

// testListPaging lists more keys than one page of an S3 listing (1000).
func testListPaging(t *testing.T, s blob.Store) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 1050
	var want []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		key := fmt.Sprintf("p/%04d/x", i)
		want = append(want, key)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.Put(ctx(t), key, strings.NewReader("x")); err != nil {
				t.Errorf("Put(%q): %v", key, err)
			}
		})
	}
	wg.Wait()
	if got := keys(t, s, "p/", ""); !slices.Equal(got, want) {
		t.Errorf("List(p/) = %d keys, want %d in order", len(got), len(want))
	}
	if got := keys(t, s, "p/", "p/0998/x"); !slices.Equal(got, want[999:]) {
		t.Errorf("List(p/, after p/0998/x) = %d keys, want %d", len(got), n-999)
	}
}

func testOddKeys(t *testing.T, s blob.Store) {
	ks := []string{"with space/file name.txt", "ünïcödé/日本語.csv", "emoji 🎉", "plus+and&amp=eq", "percent%20x", "quote'\"", "tilde~#hash"}
	putAll(t, s, ks)
	for _, k := range ks {
		if got := read(t, s, k); got != "content of "+k {
			t.Errorf("read %q = %q", k, got)
		}
	}
	if got, want := keys(t, s, "", ""), slices.Sorted(slices.Values(ks)); !slices.Equal(got, want) {
		t.Errorf("List = %q\nwant %q", got, want)
	}
	if got := keys(t, s, "ünïcödé/", ""); !slices.Equal(got, []string{"ünïcödé/日本語.csv"}) {
		t.Errorf("List(ünïcödé/) = %q", got)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	for _, key := range []string{"", "/abs", "a//b", "a/", "../escape", "a/../../b", "./a", "a/./b", "a\\b"} {
		if err := s.Put(ctx(t), key, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) succeeded, want an invalid-key error", key)
		} else if errors.Is(err, blob.ErrNotExist) || errors.Is(err, blob.ErrExist) {
			t.Errorf("Put(%q) = %v, want an invalid-key error", key, err)
		}
		if err := s.PutIfAbsent(ctx(t), key, strings.NewReader("x")); err == nil {
			t.Errorf("PutIfAbsent(%q) succeeded, want an error", key)
		}
		if _, err := s.Open(ctx(t), key); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", key)
		}
	}
	if got := keys(t, s, "", ""); len(got) != 0 {
		t.Errorf("after invalid puts, List = %q, want nothing", got)
	}
}
