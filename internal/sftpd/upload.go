package sftpd

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pkg/sftp"
)

// tempSuffixes end the temporary names clients upload under before renaming
// (WinSCP ".filepart", browsers and tools ".part", ".tmp"...). Names starting
// with "." (FileZilla ".filezilla...", rsync-style ".name.XXXX") are temporary
// too.
var tempSuffixes = []string{".tmp", ".temp", ".part", ".filepart", ".upload", ".uploading"}

// isTempName reports whether name is a temporary upload name: its upload
// completes when it is renamed to a final name, not when it is closed.
func isTempName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	lower := strings.ToLower(name)
	for _, s := range tempSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// upload is a file in inbox/ open for writing. It records which byte ranges were
// written, so that Close can tell a whole file from one with holes.
type upload struct {
	s    *Server
	c    *company
	user string
	name string
	f    *os.File
	max  int64
	log  *slog.Logger

	mu       sync.Mutex
	cov      coverage
	werr     error // the first write failure
	tooBig   bool
	cutOff   error // why the transfer was cut off
	isClosed bool
}

// openUpload opens inbox/<name> for writing, refusing a second writer.
func (s *Server) openUpload(c *company, user, name string, fl sftp.FileOpenFlags, log *slog.Logger) (*upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writers[name] {
		return nil, failure("this file is being uploaded in another session; wait for it to finish")
	}
	rel := path.Join(folderInbox, name)
	fi, err := c.root.Lstat(rel)
	exists := err == nil
	if exists && !fi.Mode().IsRegular() {
		return nil, denied("%s is not a regular file", "/"+rel)
	}
	flags := os.O_WRONLY
	if fl.Creat {
		flags |= os.O_CREATE
	}
	if fl.Trunc {
		flags |= os.O_TRUNC
	}
	if fl.Excl {
		flags |= os.O_EXCL
	}
	f, err := c.root.OpenFile(rel, flags, 0o640)
	if err != nil {
		return nil, fsError(log, "open", rel, err)
	}
	u := &upload{s: s, c: c, user: user, name: name, f: f, max: s.cfg.MaxUploadSize, log: log}
	if exists && !fl.Trunc { // appending to (resuming) an existing file
		if st, err := f.Stat(); err == nil {
			u.cov.add(0, st.Size())
		}
	}
	c.writers[name] = true
	return u, nil
}

// WriteAt writes p at off; writes are refused past MaxUploadSize.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	if off < 0 || end > u.max {
		u.mu.Lock()
		u.tooBig = true
		u.mu.Unlock()
		return 0, failure("the file is larger than the limit of %s", humanBytes(u.max))
	}
	n, err := u.f.WriteAt(p, off)
	u.mu.Lock()
	u.cov.add(off, off+int64(n))
	if err != nil && u.werr == nil {
		u.werr = err
	}
	u.mu.Unlock()
	if err != nil {
		u.log.Error("cannot write an upload", "file", u.name, "err", err)
		return n, failure("the server could not store the file; try again later")
	}
	return n, nil
}

// TransferError is called by the SFTP server when the session ends with the
// file still open: the upload was cut off.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cutOff == nil {
		u.cutOff = err
	}
}

// Close ends the upload. A whole file with a final name is moved to processing/
// and queued; a file with a temporary name waits for its rename; anything cut
// off, failed or incomplete is removed and reported.
func (u *upload) Close() error {
	u.mu.Lock()
	if u.isClosed {
		u.mu.Unlock()
		return nil
	}
	u.isClosed = true
	cutOff, werr, tooBig := u.cutOff, u.werr, u.tooBig
	u.mu.Unlock()

	syncErr := u.f.Sync()
	fi, statErr := u.f.Stat()
	closeErr := u.f.Close()
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	c := u.c
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.writers, u.name)

	var reason string
	switch {
	case cutOff != nil:
		reason = "the connection was lost during the upload"
	case tooBig:
		reason = "the file is larger than the limit of " + humanBytes(u.max)
	case werr != nil || syncErr != nil || statErr != nil || closeErr != nil:
		u.log.Error("cannot store an upload", "file", u.name, "err", errors.Join(werr, syncErr, statErr, closeErr))
		reason = "the server could not store the file"
	case !u.cov.covers(size):
		reason = fmt.Sprintf("only %d of the file's %d bytes were written", u.cov.total(), size)
	}
	if reason != "" {
		u.s.discardLocked(c, u.name, u.cov.total(), u.user, reason)
		if cutOff != nil {
			return nil // nobody to tell
		}
		return failure("the upload failed: %s; the file was not processed, upload it again", reason)
	}
	if isTempName(u.name) {
		return nil // complete when renamed to its final name
	}
	if err := u.s.completeLocked(c, u.name, u.name, u.user); err != nil {
		u.log.Error("cannot queue an upload", "file", u.name, "err", err)
		return failure("the file was received but could not be queued for processing; upload it again")
	}
	return nil
}

// rename renames inbox/<from> to inbox/<to>. Renaming to a final name completes
// the upload: the file goes straight to processing/.
func (s *Server) rename(c *company, user, from, to string, replace bool, log *slog.Logger) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writers[from] {
		return failure("the file is still open for writing; close it before renaming it")
	}
	if c.writers[to] {
		return failure("a file named %q is being uploaded", to)
	}
	fi, err := c.root.Lstat(path.Join(folderInbox, from))
	if err != nil {
		return fsError(log, "rename", path.Join(folderInbox, from), err)
	}
	if !fi.Mode().IsRegular() {
		return denied("only files can be renamed")
	}
	if from == to {
		return nil
	}
	if isTempName(to) {
		if !replace {
			if _, err := c.root.Lstat(path.Join(folderInbox, to)); err == nil {
				return failure("a file named %q already exists", to)
			}
		}
		if err := c.root.Rename(path.Join(folderInbox, from), path.Join(folderInbox, to)); err != nil {
			return fsError(log, "rename", path.Join(folderInbox, from), err)
		}
		return nil
	}
	if err := s.completeLocked(c, from, to, user); err != nil {
		log.Error("cannot queue an upload", "file", to, "err", err)
		return failure("the file could not be queued for processing; try again")
	}
	return nil
}

// remove removes inbox/<name>, unless it is being uploaded.
func (s *Server) remove(c *company, name string, log *slog.Logger) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writers[name] {
		return failure("the file is being uploaded; close it before removing it")
	}
	rel := path.Join(folderInbox, name)
	fi, err := c.root.Lstat(rel)
	if err != nil {
		return fsError(log, "remove", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return denied("only files can be removed")
	}
	if err := c.root.Remove(rel); err != nil {
		return fsError(log, "remove", rel, err)
	}
	return nil
}

// span is the byte range [lo, hi).
type span struct{ lo, hi int64 }

// coverage is a set of written byte ranges: sorted, not overlapping, not
// touching. Writes arrive out of order (clients pipeline them), so it stays small.
type coverage struct{ spans []span }

func (c *coverage) add(lo, hi int64) {
	if hi <= lo {
		return
	}
	i := sort.Search(len(c.spans), func(k int) bool { return c.spans[k].hi >= lo })
	j := i
	for j < len(c.spans) && c.spans[j].lo <= hi {
		lo, hi = min(lo, c.spans[j].lo), max(hi, c.spans[j].hi)
		j++
	}
	c.spans = slices.Replace(c.spans, i, j, span{lo, hi})
}

// covers reports whether exactly [0, size) was written.
func (c *coverage) covers(size int64) bool {
	if size == 0 {
		return len(c.spans) == 0
	}
	return len(c.spans) == 1 && c.spans[0] == span{0, size}
}

// total is the number of bytes written.
func (c *coverage) total() int64 {
	var n int64
	for _, s := range c.spans {
		n += s.hi - s.lo
	}
	return n
}

// humanBytes renders a size limit: "1 GiB", "20 MiB", "512 bytes".
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fsError turns a filesystem error into a plain answer for the client, logging
// what the client is not told (server paths, system errors).
func fsError(log *slog.Logger, op, rel string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errNotFound
	case errors.Is(err, fs.ErrExist):
		return failure("a file with that name already exists")
	case errors.Is(err, fs.ErrPermission):
		return denied("the server may not %s %s", op, "/"+rel)
	}
	log.Warn("SFTP file operation failed", "op", op, "path", rel, "err", err)
	return failure("the server could not %s %s", op, "/"+rel)
}
