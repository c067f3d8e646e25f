package sftpd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
)

// The folders of a company's jail.
const (
	folderInbox      = "inbox"
	folderProcessing = "processing"
	folderArchive    = "archive"
	folderResults    = "results"
)

var folders = []string{folderInbox, folderProcessing, folderArchive, folderResults}

const (
	// reservedPrefix starts the names of the server's own files: hidden from
	// clients and never accessible to them.
	reservedPrefix = ".trestle-"
	tmpPrefix      = reservedPrefix + "tmp-"  // a report being written
	metaPrefix     = reservedPrefix + "meta-" // who uploaded processing/<file>
	// stampLayout formats the UTC time an upload completed.
	stampLayout = "20060102T150405.000Z"
)

// company is the state shared by a company's sessions and its worker.
type company struct {
	id   string
	root *os.Root // <Root>/<id>
	dir  string   // absolute path of <Root>/<id>

	mu        sync.Mutex
	writers   map[string]bool // inbox names open for writing
	queue     []job
	running   bool // a worker is draining queue
	lastStamp time.Time
}

// job is a file waiting in processing/.
type job struct {
	file      string // name in processing/ and archive/: <stamp>-<name>
	name      string // the name the client gave
	stamp     string
	received  time.Time
	user      string
	recovered bool
}

// uploadMeta is kept in processing/.trestle-meta-<file> while a file waits.
type uploadMeta struct {
	User string `json:"user"`
}

// company returns the state of a company, creating its folders on first use.
func (s *Server) company(id string) (*company, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.companies[id]; c != nil {
		return c, nil
	}
	if s.closed {
		return nil, errors.New("the server is stopping")
	}
	if !validCompanyID(id) {
		return nil, fmt.Errorf("%q cannot name a company folder", id)
	}
	if err := s.root.Mkdir(id, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create company folder %s: %w", id, err)
	}
	root, err := s.root.OpenRoot(id)
	if err != nil {
		return nil, fmt.Errorf("open company folder %s: %w", id, err)
	}
	for _, f := range folders {
		if err := root.Mkdir(f, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			root.Close()
			return nil, fmt.Errorf("create folder %s/%s: %w", id, f, err)
		}
		if fi, err := root.Lstat(f); err != nil || !fi.IsDir() {
			root.Close()
			return nil, fmt.Errorf("%s/%s is not a folder", id, f)
		}
	}
	c := &company{id: id, root: root, dir: filepath.Join(s.dir, id), writers: map[string]bool{}}
	s.companies[id] = c
	return c, nil
}

// nextStampLocked returns a completion time, later than the last one and free in
// processing/ and archive/ for name. c.mu must be held.
func (c *company) nextStampLocked(name string) (string, time.Time) {
	t := time.Now().UTC().Truncate(time.Millisecond)
	for {
		if !t.After(c.lastStamp) {
			t = c.lastStamp.Add(time.Millisecond)
		}
		c.lastStamp = t
		stamp := t.Format(stampLayout)
		_, err1 := c.root.Lstat(path.Join(folderProcessing, stamp+"-"+name))
		_, err2 := c.root.Lstat(path.Join(folderArchive, stamp+"-"+name))
		if errors.Is(err1, fs.ErrNotExist) && errors.Is(err2, fs.ErrNotExist) {
			return stamp, t
		}
	}
}

// completeLocked moves inbox/<from> to processing/<stamp>-<name> in one rename
// and queues it. c.mu must be held.
func (s *Server) completeLocked(c *company, from, name, user string) error {
	stamp, t := c.nextStampLocked(name)
	file := stamp + "-" + name
	meta := path.Join(folderProcessing, metaPrefix+file)
	data, _ := json.Marshal(uploadMeta{User: user})
	if err := c.root.WriteFile(meta, data, 0o640); err != nil {
		s.log.Warn("cannot note who uploaded a file", "company", c.id, "file", name, "err", err)
	}
	if err := c.root.Rename(path.Join(folderInbox, from), path.Join(folderProcessing, file)); err != nil {
		c.root.Remove(meta)
		return fmt.Errorf("move %s to processing: %w", from, err)
	}
	s.log.Info("upload received", "company", c.id, "user", user, "file", name, "queued_as", file)
	s.enqueueLocked(c, job{file: file, name: name, stamp: stamp, received: t, user: user})
	return nil
}

// enqueueLocked queues a job and starts the company's worker if it is idle.
// c.mu must be held.
func (s *Server) enqueueLocked(c *company, j job) {
	c.queue = append(c.queue, j)
	if !c.running && !s.stopping.Load() {
		c.running = true
		s.workWG.Add(1)
		go s.work(c)
	}
}

// work processes a company's queue, one file at a time, until it is empty or the
// server stops. Files not started stay in processing/ for the next start.
func (s *Server) work(c *company) {
	defer s.workWG.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || s.stopping.Load() {
			c.running = false
			c.mu.Unlock()
			return
		}
		j := c.queue[0]
		c.queue = slices.Delete(c.queue, 0, 1)
		c.mu.Unlock()
		select {
		case s.slots <- struct{}{}:
		case <-s.done:
			c.mu.Lock()
			c.running = false
			c.mu.Unlock()
			return
		}
		s.process(c, j)
		<-s.slots
	}
}

// process runs one file through the Processor, writes its reports and archives
// it. When anything fails before the archive step, the file stays in
// processing/ and is processed again on the next start.
func (s *Server) process(c *company, j job) {
	ctx := s.procCtx
	log := s.log.With("company", c.id, "file", j.name, "user", j.user, "queued_as", j.file)
	rel := path.Join(folderProcessing, j.file)
	size, sum, err := checksum(c.root, rel)
	if err != nil {
		log.Error("cannot read an uploaded file; it stays in processing/", "err", err)
		return
	}
	u := Upload{
		Account: Account{User: j.user, CompanyID: c.id}, ID: j.file, Name: j.name,
		Path: filepath.Join(c.dir, folderProcessing, j.file), Size: size, SHA256: sum,
		ReceivedAt: j.received, Recovered: j.recovered,
	}
	start := time.Now()
	res, err := s.callProcessor(ctx, u)
	if err != nil {
		if ctx.Err() != nil {
			log.Warn("processing stopped by shutdown; the file will be processed again on the next start", "err", err)
			return
		}
		log.Error("processing failed", "err", err)
		res = Result{Status: StatusFailed, Message: "The file could not be processed: " + err.Error() + ". Nothing was changed."}
	}
	res = normalize(res)
	rep := Report{
		File: j.name, CompanyID: c.id, User: j.user, Size: size, SHA256: sum,
		ReceivedAt: j.received, FinishedAt: time.Now().UTC(), Archived: j.file, Result: res,
	}
	if err := writeReports(c.root, j.name, j.stamp, rep); err != nil {
		log.Error("cannot write the results; the file stays in processing/ and is processed again on the next start", "err", err)
		return
	}
	if err := c.root.Rename(rel, path.Join(folderArchive, j.file)); err != nil {
		log.Error("cannot archive a processed file; it stays in processing/ and is processed again on the next start", "err", err)
		return
	}
	c.root.Remove(path.Join(folderProcessing, metaPrefix+j.file))
	log.Info("upload processed", "status", res.Status, "errors", len(res.Errors), "size", size,
		"duration", time.Since(start).Round(time.Millisecond), "recovered", j.recovered)
}

// callProcessor calls the Processor, turning a panic into an error.
func (s *Server) callProcessor(ctx context.Context, u Upload) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("the processor panicked", "company", u.Account.CompanyID, "file", u.Name,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res, err = Result{}, errors.New("an internal error occurred")
		}
	}()
	return s.cfg.Processor.Process(ctx, u)
}

// normalize turns an empty or unknown status into failed.
func normalize(r Result) Result {
	switch r.Status {
	case StatusOK, StatusInvalid, StatusHeld, StatusFailed:
	default:
		msg := fmt.Sprintf("the processor returned an unknown status %q", r.Status)
		if r.Status == "" {
			msg = "the processor returned no status"
		}
		r.Status = StatusFailed
		r.Message = strings.TrimSpace(msg + ". " + r.Message)
	}
	return r
}

// checksum returns a file's size and hex SHA-256.
func checksum(root *os.Root, rel string) (int64, string, error) {
	f, err := root.Open(rel)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// discardLocked removes an upload that did not complete and reports why.
// c.mu must be held.
func (s *Server) discardLocked(c *company, name string, received int64, user, reason string) {
	s.log.Warn("upload not processed", "company", c.id, "file", name, "user", user, "received", received, "reason", reason)
	if err := c.root.Remove(path.Join(folderInbox, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Error("cannot remove an incomplete upload", "company", c.id, "file", name, "err", err)
	}
	stamp, t := c.nextStampLocked(name)
	rep := Report{
		File: name, CompanyID: c.id, User: user, Size: received, ReceivedAt: t, FinishedAt: t,
		Result: Result{Status: StatusFailed, Message: "The upload did not complete (" + reason +
			"), so the file was not processed and was removed. Upload it again."},
	}
	if err := writeReports(c.root, name, stamp, rep); err != nil {
		s.log.Error("cannot write the report of an incomplete upload", "company", c.id, "file", name, "err", err)
	}
}

// recoverAll prepares every company folder after a start: files left in
// processing/ are queued again, uploads cut off by a crash are discarded, and
// half-written reports are removed.
func (s *Server) recoverAll() {
	entries, err := fs.ReadDir(s.root.FS(), ".")
	if err != nil {
		s.log.Error("cannot list the SFTP root folder", "root", s.dir, "err", err)
		return
	}
	for _, e := range entries {
		if e.IsDir() && validCompanyID(e.Name()) {
			s.recoverCompany(e.Name())
		}
	}
}

func (s *Server) recoverCompany(id string) {
	list := func(folder string) []string {
		entries, _ := fs.ReadDir(s.root.FS(), id+"/"+folder)
		var names []string
		for _, e := range entries {
			if e.Type().IsRegular() {
				names = append(names, e.Name())
			}
		}
		return names
	}
	processing, inbox, results := list(folderProcessing), list(folderInbox), list(folderResults)
	stale := slices.ContainsFunc(inbox, func(n string) bool { return !isTempName(n) }) ||
		slices.ContainsFunc(results, func(n string) bool { return strings.HasPrefix(n, tmpPrefix) })
	if len(processing) == 0 && !stale {
		return
	}
	c, err := s.company(id)
	if err != nil {
		s.log.Error("cannot recover a company folder", "company", id, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	files := map[string]bool{}
	for _, n := range processing {
		files[n] = true
	}
	for _, n := range processing { // sorted by name, so by completion time
		if strings.HasPrefix(n, metaPrefix) {
			if !files[strings.TrimPrefix(n, metaPrefix)] {
				c.root.Remove(path.Join(folderProcessing, n))
			}
			continue
		}
		if strings.HasPrefix(n, reservedPrefix) {
			continue
		}
		j := job{file: n, name: n, recovered: true}
		if t, err := time.Parse(stampLayout, n[:min(len(n), len(stampLayout))]); err == nil &&
			len(n) > len(stampLayout)+1 && n[len(stampLayout)] == '-' {
			j.name, j.stamp, j.received = n[len(stampLayout)+1:], n[:len(stampLayout)], t
			if t.After(c.lastStamp) {
				c.lastStamp = t
			}
		} else { // put there by hand
			j.stamp, j.received = c.nextStampLocked(n)
		}
		var meta uploadMeta
		if data, err := c.root.ReadFile(path.Join(folderProcessing, metaPrefix+n)); err == nil {
			json.Unmarshal(data, &meta)
		}
		j.user = meta.User
		s.log.Info("processing again a file left by the previous run", "company", id, "file", j.name, "queued_as", n)
		s.enqueueLocked(c, j)
	}
	for _, n := range inbox {
		if !isTempName(n) {
			s.discardLocked(c, n, fileSize(c.root, path.Join(folderInbox, n)), "", "the server stopped during the upload")
		}
	}
	for _, n := range results {
		if strings.HasPrefix(n, tmpPrefix) {
			c.root.Remove(path.Join(folderResults, n))
		}
	}
}

func fileSize(root *os.Root, rel string) int64 {
	if fi, err := root.Lstat(rel); err == nil {
		return fi.Size()
	}
	return 0
}
