// Package local is a blob.Store on a folder of the local filesystem.
//
// Guarantees: Put writes a temporary file in the object's folder, syncs it and
// renames it over the key, so readers see the old or the whole new object.
// PutIfAbsent writes a temporary file and hard-links it to the key; link(2) fails
// when the name exists, so of concurrent writers exactly one wins. Both rely on
// rename and link being atomic on one host's filesystem: they hold for processes
// on one machine, not for several machines sharing a network filesystem whose
// link or rename is not atomic.
//
// Every access goes through an os.Root, so no key (nor a symbolic link inside the
// folder) can reach outside it. Keys map to paths: "a/b" is the file b in the
// folder a, so one store cannot hold both "a" and "a/b". Segments starting with
// ".trestle-tmp-" are reserved for temporary files.
package local

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/trestle-dev/trestle/internal/blob"
)

// tempPrefix starts the names of temporary files; List skips them.
const tempPrefix = ".trestle-tmp-"

// Store is a blob.Store on a local folder.
type Store struct {
	dir  string
	root *os.Root
}

var (
	_ blob.Store   = (*Store)(nil)
	_ blob.Renamer = (*Store)(nil)
)

// New returns a Store on dir, creating the folder if it does not exist.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob/local: create folder %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob/local: open folder %s: %w", dir, err)
	}
	return &Store{dir: dir, root: root}, nil
}

// Dir is the folder the store keeps its objects in.
func (s *Store) Dir() string { return s.dir }

// Close releases the store's handle on its folder.
func (s *Store) Close() error { return s.root.Close() }

func checkKey(key string) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, tempPrefix) {
			return fmt.Errorf("blob/local: invalid key %q: segments starting with %q are reserved for temporary files", key, tempPrefix)
		}
	}
	return nil
}

// notExist reports whether err means no file is at the path, including a path
// through a file ("a/b" where "a" is a file).
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// file is an open object.
type file struct {
	*os.File
	size int64
}

func (f *file) Size() int64 { return f.size }

// OSFile returns the open file itself, so that a server can hand it to the
// kernel (sendfile) instead of copying it through user space.
func (f *file) OSFile() *os.File { return f.File }

// Open opens the object with the given key.
func (s *Store) Open(ctx context.Context, key string) (blob.Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		if notExist(err) {
			return nil, fmt.Errorf("blob/local: open %q: %w", key, blob.ErrNotExist)
		}
		return nil, fmt.Errorf("blob/local: open %q: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob/local: open %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("blob/local: open %q: not a file (a folder of other keys): %w", key, blob.ErrNotExist)
	}
	return &file{File: f, size: fi.Size()}, nil
}

// Stat describes the object with the given key.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := checkKey(key); err != nil {
		return blob.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob.Info{}, err
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		if notExist(err) {
			return blob.Info{}, fmt.Errorf("blob/local: stat %q: %w", key, blob.ErrNotExist)
		}
		return blob.Info{}, fmt.Errorf("blob/local: stat %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return blob.Info{}, fmt.Errorf("blob/local: stat %q: not a file (a folder of other keys): %w", key, blob.ErrNotExist)
	}
	return blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}, nil
}

// Put writes the object, replacing any object with the same key: it writes a
// temporary file beside the key and renames it over the key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	tmp, err := s.writeTemp(ctx, key, r)
	if err != nil {
		return fmt.Errorf("blob/local: put %q: %w", key, err)
	}
	if err := s.root.Rename(tmp, key); err != nil {
		s.root.Remove(tmp)
		return fmt.Errorf("blob/local: put %q: %w", key, err)
	}
	return nil
}

// PutIfAbsent writes the object only if no object has the key: it writes a
// temporary file and hard-links it to the key, which fails if the key exists.
func (s *Store) PutIfAbsent(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	tmp, err := s.writeTemp(ctx, key, r)
	if err != nil {
		return fmt.Errorf("blob/local: put-if-absent %q: %w", key, err)
	}
	defer s.root.Remove(tmp)
	if err := s.root.Link(tmp, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("blob/local: put-if-absent %q: %w", key, blob.ErrExist)
		}
		return fmt.Errorf("blob/local: put-if-absent %q: %w", key, err)
	}
	return nil
}

// writeTemp copies r into a new temporary file in key's folder, synced to disk,
// and returns its name relative to the root.
func (s *Store) writeTemp(ctx context.Context, key string, r io.Reader) (string, error) {
	dir := path.Dir(key)
	var f *os.File
	var name string
	// A concurrent Delete may remove the (empty) folder between MkdirAll and
	// OpenFile; try again a few times.
	for attempt := 0; ; attempt++ {
		if dir != "." {
			if err := s.root.MkdirAll(dir, 0o755); err != nil {
				return "", fmt.Errorf("create folder %q: %w", dir, err)
			}
		}
		var rnd [8]byte
		rand.Read(rnd[:])
		name = path.Join(dir, tempPrefix+hex.EncodeToString(rnd[:]))
		var err error
		f, err = s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 5 {
			return "", fmt.Errorf("create temporary file: %w", err)
		}
	}
	_, err := io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.root.Remove(name)
		return "", fmt.Errorf("write temporary file: %w", err)
	}
	return name, nil
}

// ctxReader stops a copy when the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Delete removes the object and then any folders it leaves empty. Deleting a
// missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := s.root.Lstat(key)
	if err != nil {
		if notExist(err) {
			return nil
		}
		return fmt.Errorf("blob/local: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil // a folder of other keys, not an object
	}
	if err := s.root.Remove(key); err != nil && !notExist(err) {
		return fmt.Errorf("blob/local: delete %q: %w", key, err)
	}
	// Remove now-empty parent folders; Remove fails on a non-empty one, which
	// ends the climb.
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List yields the objects whose keys start with prefix and sort after startAfter,
// in lexicographic (byte) order of the whole key. It reads one folder at a time:
// within a folder, entries are sorted with a subfolder d ordered as "d/", which
// puts every key under it exactly where it belongs among its siblings, so a
// depth-first walk in that order yields keys already sorted.
func (s *Store) List(ctx context.Context, prefix, startAfter string) iter.Seq2[blob.Info, error] {
	return func(yield func(blob.Info, error) bool) {
		// Start in the deepest folder the prefix names in full.
		dir, namePrefix := "", prefix
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dir, namePrefix = prefix[:i], prefix[i+1:]
			if err := checkKey(dir); err != nil {
				return // no key can have this prefix
			}
		}
		s.walk(ctx, dir, namePrefix, startAfter, yield)
	}
}

// walk lists folder dir (a key prefix without the trailing "/", "" for the root),
// keeping entries whose names start with namePrefix. It returns false when the
// caller should stop.
func (s *Store) walk(ctx context.Context, dir, namePrefix, startAfter string, yield func(blob.Info, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(blob.Info{}, err)
		return false
	}
	entries, err := s.readDir(dir)
	if err != nil {
		if notExist(err) {
			return true
		}
		yield(blob.Info{}, fmt.Errorf("blob/local: list folder %q: %w", dir, err))
		return false
	}
	type entry struct {
		key   string // full key, with a trailing "/" for a folder
		isDir bool
	}
	var keep []entry
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, tempPrefix) {
			continue
		}
		key := name
		if dir != "" {
			key = dir + "/" + name
		}
		switch {
		case e.IsDir():
			key += "/"
			// Every key below starts with key; skip the folder if all of them
			// sort at or before startAfter.
			if key <= startAfter && !strings.HasPrefix(startAfter, key) {
				continue
			}
			keep = append(keep, entry{key, true})
		case e.Type().IsRegular():
			if key > startAfter {
				keep = append(keep, entry{key, false})
			}
		}
	}
	slices.SortFunc(keep, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	for _, e := range keep {
		if e.isDir {
			if !s.walk(ctx, strings.TrimSuffix(e.key, "/"), "", startAfter, yield) {
				return false
			}
			continue
		}
		fi, err := s.root.Lstat(e.key)
		if notExist(err) {
			continue // deleted since the folder was read
		}
		if err != nil {
			yield(blob.Info{}, fmt.Errorf("blob/local: list %q: %w", e.key, err))
			return false
		}
		if !yield(blob.Info{Key: e.key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}, nil) {
			return false
		}
	}
	return true
}

func (s *Store) readDir(dir string) ([]fs.DirEntry, error) {
	if dir == "" {
		dir = "."
	}
	f, err := s.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// Rename moves the object or folder at from to to, with one rename(2): the
// folders to needs are created first, and the folders from leaves empty are
// removed after, as Delete does. It fails with an error wrapping
// blob.ErrNotExist when nothing is at from and blob.ErrExist when something is
// at to.
func (s *Store) Rename(ctx context.Context, from, to string) error {
	if err := checkKey(from); err != nil {
		return err
	}
	if err := checkKey(to); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("blob/local: rename %q to %q: %w", from, to, err) }
	if to == from || strings.HasPrefix(to, from+"/") {
		return fail(errors.New("cannot move a key onto itself or into its own folder"))
	}
	if _, err := s.root.Lstat(from); err != nil {
		if notExist(err) {
			return fail(blob.ErrNotExist)
		}
		return fail(err)
	}
	// A concurrent Delete may remove the (empty) folder between MkdirAll and
	// Rename; try again a few times, as writeTemp does.
	for attempt := 0; ; attempt++ {
		if _, err := s.root.Lstat(to); err == nil {
			return fail(blob.ErrExist)
		} else if !notExist(err) {
			return fail(err)
		}
		if dir := path.Dir(to); dir != "." {
			if err := s.root.MkdirAll(dir, 0o755); err != nil {
				return fail(fmt.Errorf("create folder %q: %w", dir, err))
			}
		}
		err := s.root.Rename(from, to)
		if err == nil {
			break
		}
		if !notExist(err) || attempt == 5 {
			return fail(err)
		}
		if _, serr := s.root.Lstat(from); notExist(serr) {
			return fail(blob.ErrNotExist) // moved or deleted meanwhile
		}
	}
	for dir := path.Dir(from); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil {
			break
		}
	}
	return nil
}
