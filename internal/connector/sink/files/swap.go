package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Staging layout of table T and run R (see the package documentation):
//
//	_trestle_staging/T/R/...      the load's files
//	_trestle_staging/T/R.commit   marker: R is complete and being swapped in
//	_trestle_staging/T/R.old/...  T's previous files, moved aside (renames only)
const (
	markerSuffix = ".commit"
	oldSuffix    = ".old"
)

// parallelOps is how many copies or deletes run at once during a swap.
const parallelOps = 16

// swapHook, when set (by tests), runs before each step of a swap and of a
// recovery; an error it returns stops there, as a crash would.
var swapHook func(step string) error

func hook(step string) error {
	if swapHook != nil {
		return swapHook(step)
	}
	return nil
}

// newRunID returns a run id: the time (so runs sort by age) and random hex.
// It has no "." and no "/".
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func stagingPrefix(table string) string { return StagingDir + "/" + table + "/" }
func runDir(table, run string) string   { return stagingPrefix(table) + run }
func markerKey(table, run string) string {
	return stagingPrefix(table) + run + markerSuffix
}
func oldDir(table, run string) string { return stagingPrefix(table) + run + oldSuffix }

// swap makes the staged run the content of table (see the package
// documentation): by renames when the store has them, else by copies.
func (s *Sink) swap(ctx context.Context, table, run string) error {
	if err := hook("marker"); err != nil {
		return err
	}
	if err := s.store.Put(ctx, markerKey(table, run), strings.NewReader(run+"\n")); err != nil {
		return fmt.Errorf("files sink: table %s: write the commit marker: %w", table, err)
	}
	if r, ok := s.store.(blob.Renamer); ok {
		return s.swapRename(ctx, r, table, run, true)
	}
	return s.swapCopy(ctx, table, run, true)
}

// undoMarker deletes the marker of a swap that failed before changing
// anything visible, so that no recovery completes it. If that fails too, the
// next recovery completes the swap instead: the staged run is whole.
func (s *Sink) undoMarker(ctx context.Context, table, run string) {
	_ = s.store.Delete(context.WithoutCancel(ctx), markerKey(table, run))
}

// swapRename moves table aside and the staged run in. With undo (a Commit,
// not a recovery) a failure before the run is in place puts the table back.
func (s *Sink) swapRename(ctx context.Context, r blob.Renamer, table, run string, undo bool) error {
	old := oldDir(table, run)
	exists, err := hasPrefix(ctx, s.store, table+"/")
	if err != nil {
		return fmt.Errorf("files sink: table %s: list the current files: %w", table, err)
	}
	if exists {
		if err := hook("move old"); err != nil {
			return err
		}
		if err := r.Rename(ctx, table, old); err != nil {
			if undo {
				s.undoMarker(ctx, table, run)
			}
			return fmt.Errorf("files sink: table %s: move the current files aside: %w", table, err)
		}
	}
	if err := hook("move new"); err != nil {
		return err
	}
	if err := r.Rename(ctx, runDir(table, run), table); err != nil {
		err = fmt.Errorf("files sink: table %s: move the new files in: %w", table, err)
		if undo {
			if exists {
				if rerr := r.Rename(context.WithoutCancel(ctx), old, table); rerr != nil {
					// The marker stays: the next Begin or New finishes the swap.
					return fmt.Errorf("%w; putting the previous files back failed too (%v), the next load will finish the swap", err, rerr)
				}
			}
			s.undoMarker(ctx, table, run)
		}
		return err
	}
	// The new table is in place; what is left is clean-up, which the next
	// recovery also does.
	if err := hook("clean up"); err != nil {
		return err
	}
	if err := s.store.Delete(ctx, markerKey(table, run)); err == nil {
		_ = deletePrefix(ctx, s.store, old+"/")
	}
	return nil
}

// swapCopy copies the staged files into table and deletes its other files.
// With undo a failed copy removes the copies made, leaving the table as it
// was; once the old files are being deleted there is no way back, and a
// failure leaves the marker for Abort or the next recovery to finish.
func (s *Sink) swapCopy(ctx context.Context, table, run string, undo bool) error {
	dir := runDir(table, run) + "/"
	var names []string
	for info, err := range s.store.List(ctx, dir, "") {
		if err != nil {
			return fmt.Errorf("files sink: table %s: list the staged files: %w", table, err)
		}
		names = append(names, strings.TrimPrefix(info.Key, dir))
	}
	if err := hook("copy new"); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelOps)
	for _, name := range names {
		g.Go(func() error {
			if err := blob.Copy(gctx, s.store, dir+name, table+"/"+name); err != nil {
				return fmt.Errorf("files sink: table %s: copy staged file %s in: %w", table, name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if undo {
			keys := make([]string, len(names))
			for i, n := range names {
				keys[i] = table + "/" + n
			}
			if derr := deleteKeys(context.WithoutCancel(ctx), s.store, keys); derr == nil {
				s.undoMarker(ctx, table, run)
			}
		}
		return err
	}
	if err := hook("delete old"); err != nil {
		return err
	}
	var old []string
	for info, err := range s.store.List(ctx, table+"/", "") {
		if err != nil {
			return fmt.Errorf("files sink: table %s: list the previous files: %w", table, err)
		}
		if !slices.Contains(names, strings.TrimPrefix(info.Key, table+"/")) {
			old = append(old, info.Key)
		}
	}
	if err := deleteKeys(ctx, s.store, old); err != nil {
		return fmt.Errorf("files sink: table %s: delete the previous files (the next load finishes the swap): %w", table, err)
	}
	if err := hook("clean up"); err != nil {
		return err
	}
	if err := s.store.Delete(ctx, markerKey(table, run)); err == nil {
		_ = deletePrefix(ctx, s.store, dir)
	}
	return nil
}

// deleteKeys deletes objects, several at a time.
func deleteKeys(ctx context.Context, store blob.Store, keys []string) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelOps)
	for _, k := range keys {
		g.Go(func() error { return store.Delete(gctx, k) })
	}
	return g.Wait()
}

// staged is what the staging folder of one table holds, by run id.
type staged struct {
	runs, olds, markers map[string]bool
}

func (s *Sink) scanStaging(ctx context.Context, table string) (staged, error) {
	st := staged{runs: map[string]bool{}, olds: map[string]bool{}, markers: map[string]bool{}}
	prefix := stagingPrefix(table)
	for info, err := range s.store.List(ctx, prefix, "") {
		if err != nil {
			return st, fmt.Errorf("files sink: table %s: list %s: %w", table, prefix, err)
		}
		rest := strings.TrimPrefix(info.Key, prefix)
		seg, _, inFolder := strings.Cut(rest, "/")
		switch {
		case !inFolder && strings.HasSuffix(seg, markerSuffix):
			st.markers[strings.TrimSuffix(seg, markerSuffix)] = true
		case inFolder && strings.HasSuffix(seg, oldSuffix):
			st.olds[strings.TrimSuffix(seg, oldSuffix)] = true
		case inFolder:
			st.runs[seg] = true
		}
	}
	return st, nil
}

func (s *Sink) isActive(table, run string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[runDir(table, run)]
}

func (s *Sink) setActive(table, run string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.active[runDir(table, run)] = true
	} else {
		delete(s.active, runDir(table, run))
	}
}

// recoverAll recovers every table with something in the staging folder.
func (s *Sink) recoverAll(ctx context.Context) error {
	tables := map[string]bool{}
	for info, err := range s.store.List(ctx, StagingDir+"/", "") {
		if err != nil {
			return fmt.Errorf("files sink: list %s: %w", StagingDir, err)
		}
		if t, _, ok := strings.Cut(strings.TrimPrefix(info.Key, StagingDir+"/"), "/"); ok {
			tables[t] = true
		}
	}
	for _, t := range slices.Sorted(maps.Keys(tables)) {
		if err := s.recoverTable(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// recoverTable finishes the swaps a crash interrupted (a marker is there) and
// deletes the staged files of loads that never committed, skipping the loads
// in progress in this Sink.
func (s *Sink) recoverTable(ctx context.Context, table string) error {
	st, err := s.scanStaging(ctx, table)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		return fmt.Errorf("files sink: table %s: finish an interrupted load: %w", table, err)
	}
	for _, run := range slices.Sorted(maps.Keys(st.markers)) {
		if s.isActive(table, run) {
			continue
		}
		if err := s.finishSwap(ctx, table, run, st); err != nil {
			return fail(err)
		}
		delete(st.runs, run)
		delete(st.olds, run)
	}
	for _, run := range slices.Sorted(maps.Keys(st.runs)) {
		if s.isActive(table, run) {
			continue
		}
		// Staged, never committed.
		if err := hook("discard run"); err != nil {
			return err
		}
		if err := deletePrefix(ctx, s.store, runDir(table, run)+"/"); err != nil {
			return fail(err)
		}
	}
	for _, run := range slices.Sorted(maps.Keys(st.olds)) {
		if s.isActive(table, run) {
			continue
		}
		// Left by a swap that finished but for its clean-up; should the table
		// be missing, these are its latest files: put them back.
		exists, err := hasPrefix(ctx, s.store, table+"/")
		if err != nil {
			return fail(err)
		}
		r, canRename := s.store.(blob.Renamer)
		switch {
		case exists:
			err = deletePrefix(ctx, s.store, oldDir(table, run)+"/")
		case canRename:
			err = r.Rename(ctx, oldDir(table, run), table)
		default:
			continue // never delete the only copy; a person can move it back
		}
		if err != nil {
			return fail(err)
		}
	}
	return nil
}

// finishSwap completes the swap of a run whose marker is there.
func (s *Sink) finishSwap(ctx context.Context, table, run string, st staged) error {
	if err := hook("recover"); err != nil {
		return err
	}
	if !st.runs[run] {
		// The staged files are gone, so the swap got as far as its clean-up.
		if err := s.store.Delete(ctx, markerKey(table, run)); err != nil {
			return err
		}
		if st.olds[run] {
			return deletePrefix(ctx, s.store, oldDir(table, run)+"/")
		}
		return nil
	}
	r, ok := s.store.(blob.Renamer)
	if !ok {
		return s.swapCopy(ctx, table, run, false)
	}
	if st.olds[run] {
		exists, err := hasPrefix(ctx, s.store, table+"/")
		if err != nil {
			return err
		}
		if exists {
			// Not a state a swap goes through: leave it to a person.
			return errors.New("the table folder, the staged files and the moved-aside previous files all exist; " +
				"keep the one you want as the table folder and delete " + stagingPrefix(table))
		}
	}
	return s.swapRename(ctx, r, table, run, false)
}
