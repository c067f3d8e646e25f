package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/blob/blobtest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return newStore(t) })
}

func TestRaceManyWriters(t *testing.T) {
	blobtest.RacePutIfAbsent(t, newStore(t), 20, 16)
}

// TestSymlinkEscape: a symbolic link inside the folder cannot lead outside it.
func TestSymlinkEscape(t *testing.T) {
	s := newStore(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "link")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if _, err := s.Open(t.Context(), "link/secret"); err == nil {
		t.Error("Open(link/secret) followed a symbolic link out of the store")
	}
	if err := s.Put(t.Context(), "link/new", strings.NewReader("x")); err == nil {
		t.Error("Put(link/new) wrote through a symbolic link out of the store")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); err == nil {
		t.Error("a file was created outside the store")
	}
}

func TestReservedTempNames(t *testing.T) {
	s := newStore(t)
	err := s.Put(t.Context(), "a/.trestle-tmp-x", strings.NewReader("x"))
	if err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Put of a temporary-file name = %v, want a 'reserved' error", err)
	}
	// A leftover temporary file (a crash mid-write) is not listed.
	if err := os.WriteFile(filepath.Join(s.Dir(), ".trestle-tmp-leftover"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for info, err := range s.List(t.Context(), "", "") {
		t.Errorf("List yielded %+v, %v; want nothing", info, err)
	}
}

func TestKeyAndFolderClash(t *testing.T) {
	s := newStore(t)
	if err := s.Put(t.Context(), "a", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	err := s.Put(t.Context(), "a/b", strings.NewReader("y"))
	if err == nil || !strings.Contains(err.Error(), `"a/b"`) {
		t.Errorf("Put(a/b) over file a = %v, want an error naming the key", err)
	}
	if err := s.Delete(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), "a/b", strings.NewReader("y")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), "a/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Delete left the empty folder a behind: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := newStore(t)
	c2, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(c2, "x", strings.NewReader("x")); err == nil {
		t.Error("Put with a canceled context succeeded")
	}
	for _, err := range s.List(c2, "", "") {
		if err == nil {
			t.Error("List with a canceled context yielded no error")
		}
	}
}
