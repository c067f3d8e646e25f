package delta

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
)

// Table is a Delta table stored under a root prefix of a blob.Store
// ("companies/acme/people"); its log is at <root>/_delta_log/. A Table is safe
// for concurrent use, and several Tables (in one process or many) may write to
// the same table: the store's put-if-absent decides which commit wins.
//
// A Table remembers the latest state it has seen, so reading the latest snapshot
// again, or committing on top of it, replays only the commits that are new.
type Table struct {
	store blob.Store
	root  string

	mu   sync.Mutex
	head *Snapshot // private, updated in place; nil until first loaded
	// onCheckpointError is told about failed automatic checkpoints (issue 3);
	// nil logs them.
	onCheckpointError func(version int64, err error)
}

// NewTable returns the table at root in store. It does no I/O; the table need not
// exist yet (see Create).
func NewTable(store blob.Store, root string) *Table {
	return &Table{store: store, root: strings.Trim(root, "/")}
}

// Root returns the table's root prefix.
func (t *Table) Root() string { return t.root }

// DataKey returns the store key of the file an action's path names: the path is
// decoded and joined to the table's root. Absolute URIs and paths that climb out
// of the table are refused.
func (t *Table) DataKey(actionPath string) (string, error) {
	if isAbsoluteURI(actionPath) {
		return "", fmt.Errorf("delta: absolute file paths are not supported: %q", actionPath)
	}
	p, err := DecodePath(actionPath)
	if err != nil {
		return "", err
	}
	clean := path.Clean(p)
	if p == "" || strings.HasPrefix(p, "/") || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("delta: file path %q is not inside the table", p)
	}
	if t.root == "" {
		return clean, nil
	}
	return t.root + "/" + clean, nil
}

// Exists reports whether the table has a log.
func (t *Table) Exists(ctx context.Context) (bool, error) {
	prefix := t.logPrefix()
	for info, err := range t.store.List(ctx, prefix, "") {
		if err != nil {
			return false, fmt.Errorf("delta: listing %s: %w", prefix, err)
		}
		if _, ok := ParseCommitFileName(strings.TrimPrefix(info.Key, prefix)); ok {
			return true, nil
		}
	}
	return false, nil
}

// LatestVersion returns the newest committed version.
func (t *Table) LatestVersion(ctx context.Context) (int64, error) {
	s, err := t.Snapshot(ctx)
	if err != nil {
		return -1, err
	}
	return s.Version, nil
}

// Create writes version 0 of a new table: a commitInfo, the protocol (the zero
// Protocol means DefaultProtocol) and the metadata. It returns an error wrapping
// ErrTableExists, writing nothing, if the table has any commit.
func (t *Table) Create(ctx context.Context, m Metadata, p Protocol) error {
	if p.MinReaderVersion == 0 && p.MinWriterVersion == 0 {
		p = DefaultProtocol
		if strings.EqualFold(m.Configuration[ConfigEnableChangeDataFeed], "true") {
			// The change data feed needs writer version 4 (PROTOCOL.md, Change
			// Data Files / writer version requirements).
			p.MinWriterVersion = 4
		}
	}
	if err := validProtocol(p); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCommit, err)
	}
	if err := checkWrite(p, &m); err != nil {
		return err
	}
	exists, err := t.Exists(ctx)
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("%w: %q", ErrTableExists, t.root)
	}
	actions := []Action{
		{CommitInfo: &CommitInfo{Timestamp: nowMillis(), Operation: "CREATE TABLE"}},
		{Protocol: &p},
		{Metadata: &m},
	}
	if err := t.put(ctx, 0, actions); err != nil {
		if errors.Is(err, ErrConcurrentCommit) {
			return fmt.Errorf("%w: %q", ErrTableExists, t.root)
		}
		return err
	}
	s := newSnapshot()
	if err := s.apply(commit{logEntry: logEntry{version: 0, modTime: time.Now()}, actions: actions}); err != nil {
		return err
	}
	t.mu.Lock()
	if t.head == nil || t.head.Version < 0 {
		t.head = s
	}
	t.mu.Unlock()
	return nil
}

func validProtocol(p Protocol) error {
	bad := func(why string) error { return fmt.Errorf("%w: protocol %+v: %s", ErrInvalidCommit, p, why) }
	switch {
	case p.MinReaderVersion < 1 || p.MinWriterVersion < 1:
		return bad("versions start at 1")
	case p.MinReaderVersion == 3 && p.MinWriterVersion != 7:
		return bad("reader version 3 needs writer version 7")
	case p.MinReaderVersion != 3 && p.ReaderFeatures != nil:
		return bad("readerFeatures exist only with reader version 3")
	case p.MinWriterVersion != 7 && p.WriterFeatures != nil:
		return bad("writerFeatures exist only with writer version 7")
	}
	return nil
}

// put writes version v's commit file if no writer has written it yet.
func (t *Table) put(ctx context.Context, v int64, actions []Action) error {
	data, err := encodeCommitBytes(actions)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCommit, err)
	}
	err = t.store.PutIfAbsent(ctx, t.commitKey(v), bytes.NewReader(data))
	if errors.Is(err, blob.ErrExist) {
		return &ConflictError{Version: v}
	}
	if err != nil {
		return fmt.Errorf("delta: writing version %d: %w", v, err)
	}
	return nil
}

// Commit writes actions as version readVersion+1, where readVersion is the
// version of the snapshot the caller read. A commitInfo action is added first
// when the actions have none; a commitInfo given without a timestamp or operation
// gets the current time and "WRITE". When another writer already committed that
// version, Commit writes nothing and returns a *ConflictError (errors.Is(err,
// ErrConcurrentCommit)); read a new snapshot and try again, or use
// CommitWithRetry.
//
// Commit checks the actions form a valid log entry (at most one protocol and one
// metaData, one file action per path, one txn per app id), that this package can
// write the table, and that an append-only table loses no data.
func (t *Table) Commit(ctx context.Context, readVersion int64, actions []Action) (int64, error) {
	actions, err := prepareCommit(actions)
	if err != nil {
		return -1, err
	}
	base, err := t.stateAt(ctx, readVersion)
	if err != nil {
		return -1, err
	}
	if err := checkWrite(base.Protocol, &base.Metadata); err != nil {
		return -1, err
	}
	next := *base
	for _, a := range actions {
		if a.Protocol != nil {
			next.Protocol = *a.Protocol
		}
		if a.Metadata != nil {
			next.Metadata = *a.Metadata
		}
	}
	if err := checkWrite(next.Protocol, &next.Metadata); err != nil {
		return -1, err
	}
	if appendOnly(base.Protocol, &base.Metadata) || appendOnly(next.Protocol, &next.Metadata) {
		for _, a := range actions {
			if a.Remove != nil && a.Remove.DataChange {
				return -1, fmt.Errorf("%w: table is append-only (delta.appendOnly) but the commit removes %q",
					ErrInvalidCommit, a.Remove.Path)
			}
		}
	}
	v := readVersion + 1
	if err := t.put(ctx, v, actions); err != nil {
		return -1, err
	}
	var committed *Snapshot
	t.mu.Lock()
	if t.head != nil && t.head.Version == readVersion {
		if err := t.head.apply(commit{logEntry: logEntry{version: v, modTime: time.Now()}, actions: actions}); err != nil {
			t.head = nil // cannot happen after prepareCommit; reload next time
		}
	}
	checkpointDue := checkpointDue(v, &next.Metadata)
	if checkpointDue && t.head != nil && t.head.Version == v {
		committed = t.head.clone()
	}
	t.mu.Unlock()
	// checkpoints: see issue 3. Every delta.checkpointInterval versions the
	// committer writes a checkpoint; a failure there does not fail the commit.
	if checkpointDue {
		if committed == nil {
			var err error
			if committed, err = t.SnapshotAt(ctx, v); err != nil {
				t.checkpointFailed(v, err)
			}
		}
		t.maybeCheckpoint(ctx, v, committed)
	}
	return v, nil
}

// stateAt returns the protocol and metadata at readVersion. When the table has
// moved past readVersion the commit is bound to conflict, and stateAt says so
// without writing anything.
func (t *Table) stateAt(ctx context.Context, readVersion int64) (*Snapshot, error) {
	if readVersion < 0 {
		return nil, fmt.Errorf("%w: read version %d", ErrInvalidCommit, readVersion)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.head == nil || t.head.Version < readVersion {
		if err := t.advanceLocked(ctx, readVersion); err != nil {
			return nil, err
		}
	}
	if t.head.Version < readVersion {
		return nil, fmt.Errorf("%w: cannot commit on top of version %d, the latest is %d",
			ErrVersionNotFound, readVersion, t.head.Version)
	}
	if t.head.Version > readVersion {
		return nil, &ConflictError{Version: readVersion + 1}
	}
	return &Snapshot{Version: t.head.Version, Protocol: t.head.Protocol, Metadata: t.head.Metadata}, nil
}

// prepareCommit validates actions and puts a commitInfo first.
func prepareCommit(actions []Action) ([]Action, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidCommit}, args...)...)
	}
	var ci *CommitInfo
	var rest []Action
	var protocols, metadatas int
	adds := map[string]bool{}
	removes := map[string]bool{}
	txns := map[string]bool{}
	for i, a := range actions {
		if n := a.count(); n != 1 {
			return nil, bad("action %d has %d kinds set, want 1", i, n)
		}
		switch {
		case a.CommitInfo != nil:
			if ci != nil {
				return nil, bad("more than one commitInfo")
			}
			c := *a.CommitInfo
			ci = &c
			continue
		case a.Protocol != nil:
			protocols++
			if err := validProtocol(*a.Protocol); err != nil {
				return nil, err
			}
		case a.Metadata != nil:
			metadatas++
			if err := a.Metadata.validate(); err != nil {
				return nil, bad("%v", err)
			}
		case a.Add != nil:
			key, err := checkFilePath(a.Add.Path)
			if err != nil {
				return nil, bad("add: %v", err)
			}
			if adds[key] {
				return nil, bad("file %q is added twice", key)
			}
			adds[key] = true
		case a.Remove != nil:
			key, err := checkFilePath(a.Remove.Path)
			if err != nil {
				return nil, bad("remove: %v", err)
			}
			if removes[key] {
				return nil, bad("file %q is removed twice", key)
			}
			removes[key] = true
		case a.CDC != nil:
			if _, err := checkFilePath(a.CDC.Path); err != nil {
				return nil, bad("cdc: %v", err)
			}
			if a.CDC.DataChange {
				return nil, bad("cdc action %q has dataChange true; it must be false", a.CDC.Path)
			}
		case a.Txn != nil:
			if a.Txn.AppID == "" {
				return nil, bad("txn without an appId")
			}
			if txns[a.Txn.AppID] {
				return nil, bad("two txn actions for app %q", a.Txn.AppID)
			}
			txns[a.Txn.AppID] = true
		}
		rest = append(rest, a)
	}
	if protocols > 1 || metadatas > 1 {
		return nil, bad("more than one protocol or metaData action")
	}
	for key := range adds {
		// Without deletion vectors an add and a remove of one path in one commit
		// would have the same (path, NULL) key, which the protocol forbids.
		if removes[key] {
			return nil, bad("file %q is both added and removed", key)
		}
	}
	if ci == nil {
		ci = &CommitInfo{}
	}
	if ci.Timestamp == 0 {
		ci.Timestamp = nowMillis()
	}
	if ci.Operation == "" {
		ci.Operation = "WRITE"
	}
	return append([]Action{{CommitInfo: ci}}, rest...), nil
}

func checkFilePath(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	return DecodePath(p)
}

// DefaultMaxAttempts is how many times CommitWithRetry tries before giving up.
const DefaultMaxAttempts = 10

// CommitWithRetry reads the latest snapshot, asks build for the actions to commit
// on top of it, and commits them. When another writer wins the version, it waits
// a short random time, reads the new snapshot and calls build again, up to
// DefaultMaxAttempts times. build must decide afresh from the snapshot it is
// given (for example that a file it removes is still there); returning an error
// stops the retries. It returns the committed version.
func (t *Table) CommitWithRetry(ctx context.Context, build func(snap *Snapshot) ([]Action, error)) (int64, error) {
	var last error
	for attempt := range DefaultMaxAttempts {
		if attempt > 0 {
			if err := sleepBackoff(ctx, attempt); err != nil {
				return -1, err
			}
		}
		snap, err := t.Snapshot(ctx)
		if err != nil {
			return -1, err
		}
		actions, err := build(snap)
		if err != nil {
			return -1, err
		}
		v, err := t.Commit(ctx, snap.Version, actions)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrConcurrentCommit) {
			return -1, err
		}
		last = err
	}
	return -1, fmt.Errorf("delta: gave up after %d attempts: %w", DefaultMaxAttempts, last)
}

// sleepBackoff waits a random time from d/2 to d, where d is 5ms doubled per
// attempt and capped at 500ms.
func sleepBackoff(ctx context.Context, attempt int) error {
	d := 5 * time.Millisecond << min(attempt-1, 7)
	d = min(d, 500*time.Millisecond)
	d = d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// newGUID returns a random (version 4) UUID in its canonical text form.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
