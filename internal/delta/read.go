package delta

import (
	"context"
	"errors"
	"fmt"
	"github.com/trestle-dev/trestle/internal/blob"
	"strings"
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

// SnapshotAt returns the table as of version v (time travel). Replay starts from
// the newest checkpoint not after v, or from the latest state this Table has
// seen when that is not after v.
func (t *Table) SnapshotAt(ctx context.Context, v int64) (*Snapshot, error) {
	if v < 0 {
		return nil, fmt.Errorf("%w: version %d", ErrVersionNotFound, v)
	}
	var base *Snapshot
	t.mu.Lock()
	if t.head != nil && t.head.Version <= v {
		// Start from the state already replayed.
		base = t.head.clone()
	}
	t.mu.Unlock()
	if base != nil && base.Version == v {
		return base, nil
	}
	// checkpoints: see issue 3 (load.go).
	s, err := t.loadSnapshot(ctx, base, v)
	if err != nil {
		return nil, err
	}
	if s.Version != v {
		return nil, fmt.Errorf("%w: version %d of table %q", ErrVersionNotFound, v, t.root)
	}
	return s, nil
}

// SnapshotAtTime returns the table as of time ts: the latest version whose commit
// timestamp (see CommitTimestamp) is at or before ts. It fails with
// ErrTimestampTooEarly when ts is before the first commit the log still holds.
func (t *Table) SnapshotAtTime(ctx context.Context, ts time.Time) (*Snapshot, error) {
	entries, err := t.listCommits(ctx, -1, -1)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%w: no commits under %q", ErrTableNotFound, t.logPrefix())
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
		return nil, fmt.Errorf("%w: %s is before version %d at %s", ErrTimestampTooEarly,
			ts.UTC().Format(time.RFC3339Nano), commits[0].version, first.UTC().Format(time.RFC3339Nano))
	}
	// checkpoints: see issue 3. SnapshotAt starts from a checkpoint.
	return t.SnapshotAt(ctx, commits[target].version)
}

// advanceLocked brings t.head up to version upto (-1: the latest), loading it
// from the newest usable checkpoint (or version 0) the first time. t.mu must be
// held. On failure head is dropped, so the next call starts over.
func (t *Table) advanceLocked(ctx context.Context, upto int64) error {
	if t.head != nil && upto < 0 && t.probeSafe() {
		// Most reads find the table unchanged: one Stat of the next commit
		// file is cheaper than listing the log (a directory read, or an S3 LIST).
		_, err := t.store.Stat(ctx, t.commitKey(t.head.Version+1))
		if errors.Is(err, blob.ErrNotExist) {
			return nil
		}
	}
	// checkpoints: see issue 3 (load.go).
	s, err := t.loadSnapshot(ctx, t.head, upto)
	if err != nil {
		t.head = nil
		return err
	}
	t.head = s
	return nil
}

// probeSafe reports whether a missing next commit file means the head is the
// latest version: log cleanup removes commits only once they are older than
// the log retention, so a head committed well within it cannot have had its
// successor cleaned up.
func (t *Table) probeSafe() bool {
	keep, err := t.head.Metadata.LogRetention()
	return err == nil && time.Since(t.head.Timestamp) < keep/2
}

// EarliestVersion returns the oldest version whose commit is still in the log
// (log cleanup removes older ones), or an error wrapping ErrTableNotFound.
func (t *Table) EarliestVersion(ctx context.Context) (int64, error) {
	prefix := t.logPrefix()
	for info, err := range t.store.List(ctx, prefix, "") {
		if err != nil {
			return 0, fmt.Errorf("delta: listing %s: %w", prefix, err)
		}
		if v, ok := ParseCommitFileName(strings.TrimPrefix(info.Key, prefix)); ok {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: no commits under %q", ErrTableNotFound, prefix)
}
