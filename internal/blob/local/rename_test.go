package local

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/blob"
)

func listAll(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for info, err := range s.List(t.Context(), "", "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	return out
}

func TestRename(t *testing.T) {
	tests := []struct {
		name     string
		objects  []string
		from, to string
		want     []string // keys afterwards
		err      error    // wanted error, nil for success
	}{
		{name: "file", objects: []string{"a/x"}, from: "a/x", to: "b/c/y", want: []string{"b/c/y"}},
		{name: "folder", objects: []string{"stage/r1/p0", "stage/r1/p1", "stage/keep"}, from: "stage/r1", to: "table",
			want: []string{"stage/keep", "table/p0", "table/p1"}},
		{name: "folder into a deeper folder", objects: []string{"t/p0"}, from: "t", to: "_old/t/r1.old",
			want: []string{"_old/t/r1.old/p0"}},
		{name: "missing", objects: []string{"a"}, from: "b", to: "c", want: []string{"a"}, err: blob.ErrNotExist},
		{name: "target is a file", objects: []string{"a", "b"}, from: "a", to: "b", want: []string{"a", "b"}, err: blob.ErrExist},
		{name: "target is a folder", objects: []string{"a/p", "b/q"}, from: "a", to: "b", want: []string{"a/p", "b/q"}, err: blob.ErrExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for _, k := range tc.objects {
				if err := s.Put(t.Context(), k, strings.NewReader("content of "+k)); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Rename(t.Context(), tc.from, tc.to)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("Rename: %v", err)
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Fatalf("Rename = %v, want %v", err, tc.err)
			}
			if got := listAll(t, s); !slices.Equal(got, tc.want) {
				t.Errorf("keys after Rename = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRenameKeepsContentAndCleansUp(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "stage/t/r1/part-0", strings.NewReader("rows")); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(t.Context(), "stage/t/r1", "t"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir(), "t", "part-0"))
	if err != nil || string(b) != "rows" {
		t.Errorf("moved file = %q, %v; want %q", b, err, "rows")
	}
	// The folders the move left empty are gone, as after Delete.
	if _, err := os.Stat(filepath.Join(s.Dir(), "stage")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Rename left the empty folder stage behind: %v", err)
	}
}

func TestRenameRefusals(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{{"a", "a"}, {"a", "a/c"}, {"a/b", "../x"}, {".trestle-tmp-1", "x"}, {"a", "/abs"}} {
		if err := s.Rename(t.Context(), c[0], c[1]); err == nil {
			t.Errorf("Rename(%q, %q) succeeded, want an error", c[0], c[1])
		}
	}
	if got := listAll(t, s); !slices.Equal(got, []string{"a/b"}) {
		t.Errorf("keys = %q, want [a/b]", got)
	}
}

// TestCopyFallback: blob.Copy streams through Open and Put on a store without
// a Copier of its own.
func TestCopyFallback(t *testing.T) {
	s := newStore(t)
	if _, ok := blob.Store(s).(blob.Copier); ok {
		t.Skip("the local store copies by itself now; the fallback is tested elsewhere")
	}
	if err := s.Put(t.Context(), "src/a", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if err := blob.Copy(t.Context(), s, "src/a", "dst/b"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir(), "dst", "b"))
	if err != nil || string(b) != "hello" {
		t.Errorf("copy = %q, %v; want hello", b, err)
	}
	if err := blob.Copy(t.Context(), s, "missing", "x"); !errors.Is(err, blob.ErrNotExist) {
		t.Errorf("Copy of a missing object = %v, want ErrNotExist", err)
	}
}
