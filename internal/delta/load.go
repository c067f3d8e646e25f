package delta

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// loadSnapshot returns the table at version upto (-1: the latest version; a
// version past the latest gives the latest, callers check). It replays the
// commits after base when base is given and the log still holds them all;
// otherwise it starts from the newest checkpoint not after upto (found through
// _last_checkpoint, or by listing the log when that file is missing, corrupt or
// names a newer version), and from version 0 when no checkpoint can be read.
// base is updated in place.
func (t *Table) loadSnapshot(ctx context.Context, base *Snapshot, upto int64) (*Snapshot, error) {
	if base != nil && base.Version >= 0 {
		files, err := t.listLog(ctx, base.Version+1)
		if err != nil {
			return nil, err
		}
		view := newLogView(files, upto)
		if len(view.commits) == 0 || view.commits[0].version == base.Version+1 {
			return t.applyCommits(ctx, base, view.commits)
		}
		// The commits right after base were cleaned up: start afresh from a
		// checkpoint.
	}
	from := int64(0)
	if lc, err := t.readLastCheckpoint(ctx); err == nil && (upto < 0 || lc.Version <= upto) {
		from = lc.Version
	}
	files, err := t.listLog(ctx, from)
	if err != nil {
		return nil, err
	}
	view := newLogView(files, upto)
	if from > 0 && len(view.checkpoints) == 0 {
		// _last_checkpoint names a checkpoint that is gone: list everything.
		from = 0
		if files, err = t.listLog(ctx, 0); err != nil {
			return nil, err
		}
		view = newLogView(files, upto)
	}
	var failures []error
	tried := map[int64]bool{}
	for {
		for _, ref := range slices.Backward(view.checkpoints) {
			if tried[ref.version] {
				continue
			}
			tried[ref.version] = true
			s, err := t.readCheckpoint(ctx, ref)
			if err == nil {
				return t.afterCheckpoint(ctx, s, view.commits)
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failures = append(failures, err)
		}
		if from == 0 {
			break
		}
		// Every checkpoint from _last_checkpoint on failed: look at older ones.
		from = 0
		if files, err = t.listLog(ctx, 0); err != nil {
			return nil, err
		}
		view = newLogView(files, upto)
	}
	// No checkpoint: replay from version 0.
	if len(view.commits) == 0 {
		return nil, fmt.Errorf("%w: no commits under %q", ErrTableNotFound, t.logPrefix())
	}
	if view.commits[0].version != 0 {
		return nil, fmt.Errorf("delta: log of %q starts at version %d and none of its checkpoints up to that version can be read: %w",
			t.root, view.commits[0].version, errors.Join(failures...))
	}
	return t.applyCommits(ctx, newSnapshot(), view.commits)
}

// afterCheckpoint applies the commits after the checkpoint s. When there are
// none, the commitInfo and time of the checkpoint's own version come from its
// commit file, as checkpoints do not keep commitInfo.
func (t *Table) afterCheckpoint(ctx context.Context, s *Snapshot, commits []logEntry) (*Snapshot, error) {
	i, _ := slices.BinarySearchFunc(commits, s.Version, func(e logEntry, v int64) int {
		return compareInt64(e.version, v)
	})
	own := i < len(commits) && commits[i].version == s.Version
	rest := commits[i:]
	if own {
		rest = commits[i+1:]
	}
	if len(rest) == 0 && own {
		actions, err := t.readCommitKey(ctx, s.Version, commits[i].key)
		if err != nil {
			return nil, err
		}
		s.CommitInfo = commitInfoOf(actions)
		s.Timestamp = CommitTimestamp(s.CommitInfo, commits[i].modTime)
	}
	if len(rest) > 0 && rest[0].version != s.Version+1 {
		return nil, fmt.Errorf("delta: log is missing version %d (next after checkpoint %d is %d)",
			s.Version+1, s.Version, rest[0].version)
	}
	return t.applyCommits(ctx, s, rest)
}

// applyCommits reads the commits (which must follow s.Version without gaps)
// and applies them to s.
func (t *Table) applyCommits(ctx context.Context, s *Snapshot, entries []logEntry) (*Snapshot, error) {
	for i := 1; i < len(entries); i++ {
		if entries[i].version != entries[i-1].version+1 {
			return nil, fmt.Errorf("delta: log is missing version %d (found %d after %d)",
				entries[i-1].version+1, entries[i].version, entries[i-1].version)
		}
	}
	commits, err := t.readCommits(ctx, entries)
	if err != nil {
		return nil, err
	}
	for _, c := range commits {
		if err := s.apply(c); err != nil {
			return nil, err
		}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
