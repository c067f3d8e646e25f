package delta

import (
	"context"
	"fmt"
	"time"
)

// Snapshot returns the table at its latest version. It fails with
// ErrTableNotFound when the table has no log, and with ErrUnsupportedProtocol when
// the table needs reader capabilities this package lacks.
func (t *Table) Snapshot(ctx context.Context) (*Snapshot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.advanceLocked(ctx, -1); err != nil {
		return nil, err
	}
	return t.head.clone(), nil
}

// SnapshotAt returns the table as of version v (time travel).
func (t *Table) SnapshotAt(ctx context.Context, v int64) (*Snapshot, error) {
	if v < 0 {
		return nil, fmt.Errorf("%w: version %d", ErrVersionNotFound, v)
	}
	t.mu.Lock()
	if t.head != nil && t.head.Version <= v {
		// Start from the state already replayed.
		s := t.head.clone()
		t.mu.Unlock()
		if s.Version == v {
			return s, nil
		}
		return t.replayOnto(ctx, s, v)
	}
	t.mu.Unlock()
	return t.replayOnto(ctx, newSnapshot(), v)
}

// SnapshotAtTime returns the table as of time ts: the latest version whose commit
// timestamp (see CommitTimestamp) is at or before ts. It fails with
// ErrTimestampTooEarly when ts is before the first commit.
func (t *Table) SnapshotAtTime(ctx context.Context, ts time.Time) (*Snapshot, error) {
	entries, err := t.listCommits(ctx, -1, -1)
	if err != nil {
		return nil, err
	}
	if err := checkLogStart(t, entries); err != nil {
		return nil, err
	}
	commits, err := t.readCommits(ctx, entries)
	if err != nil {
		return nil, err
	}
	target := -1
	for i, c := range commits {
		if !CommitTimestamp(commitInfoOf(c.actions), c.modTime).After(ts) {
			target = i
		}
	}
	if target < 0 {
		first := CommitTimestamp(commitInfoOf(commits[0].actions), commits[0].modTime)
		return nil, fmt.Errorf("%w: %s is before version 0 at %s", ErrTimestampTooEarly,
			ts.UTC().Format(time.RFC3339Nano), first.UTC().Format(time.RFC3339Nano))
	}
	s := newSnapshot()
	for _, c := range commits[:target+1] {
		if err := s.apply(c); err != nil {
			return nil, err
		}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// replayOnto reads the commits after s.Version up to v and applies them to s.
func (t *Table) replayOnto(ctx context.Context, s *Snapshot, v int64) (*Snapshot, error) {
	entries, err := t.listCommits(ctx, s.Version, v)
	if err != nil {
		return nil, err
	}
	if s.Version < 0 {
		if err := checkLogStart(t, entries); err != nil {
			return nil, err
		}
	}
	if len(entries) == 0 || entries[len(entries)-1].version != v {
		return nil, fmt.Errorf("%w: version %d of table %q", ErrVersionNotFound, v, t.root)
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

// advanceLocked brings t.head up to version upto (-1: the latest), loading it
// from version 0 the first time. t.mu must be held. On failure head is dropped,
// so the next call starts over.
func (t *Table) advanceLocked(ctx context.Context, upto int64) error {
	s := t.head
	if s == nil {
		s = newSnapshot()
	}
	entries, err := t.listCommits(ctx, s.Version, upto)
	if err != nil {
		return err
	}
	if s.Version < 0 {
		if err := checkLogStart(t, entries); err != nil {
			return err
		}
	}
	commits, err := t.readCommits(ctx, entries)
	if err != nil {
		return err
	}
	for _, c := range commits {
		if err := s.apply(c); err != nil {
			t.head = nil
			return err
		}
	}
	if err := s.check(); err != nil {
		t.head = nil
		return err
	}
	t.head = s
	return nil
}

// checkLogStart makes sure a full replay can start: the log exists and begins at
// version 0.
func checkLogStart(t *Table, entries []logEntry) error {
	if len(entries) == 0 {
		return fmt.Errorf("%w: no commits under %q", ErrTableNotFound, t.logPrefix())
	}
	if entries[0].version != 0 {
		// checkpoints: see issue 3. A log whose early commits were cleaned up
		// can only be read from a checkpoint.
		return fmt.Errorf("delta: log of %q starts at version %d; reading checkpoints is not supported yet",
			t.root, entries[0].version)
	}
	return nil
}
