package delta

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/delta/schema"
)

// Snapshot is the state of a table at one version, computed by replaying the log
// (the protocol's "Action Reconciliation"): the latest protocol and metadata, the
// files present (the newest add or remove per path wins), tombstones of removed
// files, and the latest version of each application transaction. A Snapshot is
// immutable and safe to share between goroutines.
type Snapshot struct {
	// Version is the table version this snapshot shows.
	Version int64
	// Protocol and Metadata are the latest protocol and metaData actions.
	Protocol Protocol
	Metadata Metadata
	// CommitInfo is the commitInfo of the commit at Version, or nil.
	CommitInfo *CommitInfo
	// Timestamp is the commit time of Version (see CommitTimestamp).
	Timestamp time.Time

	files       map[string]Add    // by decoded path
	tombstones  map[string]Remove // by decoded path
	txns        map[string]Txn    // by app id
	hasProtocol bool
	hasMetadata bool
}

func newSnapshot() *Snapshot {
	return &Snapshot{
		Version:    -1,
		files:      make(map[string]Add),
		tombstones: make(map[string]Remove),
		txns:       make(map[string]Txn),
	}
}

// clone copies the snapshot's maps so the copy can be handed out while the
// original keeps changing. The actions themselves are shared; nobody mutates them.
func (s *Snapshot) clone() *Snapshot {
	c := *s
	c.files = maps.Clone(s.files)
	c.tombstones = maps.Clone(s.tombstones)
	c.txns = maps.Clone(s.txns)
	return &c
}

// CommitTimestamp returns the time of a commit: the commitInfo's
// inCommitTimestamp when present (In-Commit Timestamps), else its timestamp, else
// the commit file's modification time. The protocol has readers of tables without
// In-Commit Timestamps use the file time; commitInfo.timestamp is preferred here
// because it survives copying the table to another store, and this package
// writes it on every commit.
func CommitTimestamp(ci *CommitInfo, fileModTime time.Time) time.Time {
	switch {
	case ci != nil && ci.InCommitTimestamp != nil:
		return time.UnixMilli(*ci.InCommitTimestamp)
	case ci != nil && ci.Timestamp != 0:
		return time.UnixMilli(ci.Timestamp)
	}
	return fileModTime
}

func commitInfoOf(actions []Action) *CommitInfo {
	for _, a := range actions {
		if a.CommitInfo != nil {
			return a.CommitInfo
		}
	}
	return nil
}

// apply replays one commit onto the snapshot. The commit must be the next
// version.
func (s *Snapshot) apply(c commit) error {
	if c.version != s.Version+1 {
		return fmt.Errorf("delta: replaying version %d onto version %d", c.version, s.Version)
	}
	var ci *CommitInfo
	for _, a := range c.actions {
		switch {
		case a.Protocol != nil:
			s.Protocol = *a.Protocol
			s.hasProtocol = true
		case a.Metadata != nil:
			s.Metadata = *a.Metadata
			s.hasMetadata = true
		case a.Add != nil:
			key, err := DecodePath(a.Add.Path)
			if err != nil {
				return fmt.Errorf("delta: version %d: add: %w", c.version, err)
			}
			delete(s.tombstones, key)
			s.files[key] = *a.Add
		case a.Remove != nil:
			key, err := DecodePath(a.Remove.Path)
			if err != nil {
				return fmt.Errorf("delta: version %d: remove: %w", c.version, err)
			}
			delete(s.files, key)
			s.tombstones[key] = *a.Remove
		case a.Txn != nil:
			s.txns[a.Txn.AppID] = *a.Txn
		case a.CommitInfo != nil:
			if ci == nil {
				ci = a.CommitInfo
			}
		}
		// cdc actions describe change data of this version only and unknown
		// actions may be ignored: neither is part of the snapshot.
	}
	s.Version = c.version
	s.CommitInfo = ci
	s.Timestamp = CommitTimestamp(ci, c.modTime)
	return nil
}

// check verifies the replayed state is complete and readable by this package.
func (s *Snapshot) check() error {
	if !s.hasProtocol || !s.hasMetadata {
		return fmt.Errorf("delta: log up to version %d has no protocol or no metaData action", s.Version)
	}
	return checkRead(s.Protocol, &s.Metadata)
}

// Schema parses the table's schema.
func (s *Snapshot) Schema() (*schema.StructType, error) { return s.Metadata.Schema() }

// ArrowSchema returns the table's schema as the Arrow schema its data files hold.
func (s *Snapshot) ArrowSchema() (*arrow.Schema, error) {
	ds, err := s.Schema()
	if err != nil {
		return nil, err
	}
	return datafile.ArrowSchema(ds)
}

// NumFiles returns the number of files in the table.
func (s *Snapshot) NumFiles() int { return len(s.files) }

// Size returns the total size in bytes of the table's files.
func (s *Snapshot) Size() int64 {
	var n int64
	for _, a := range s.files {
		n += a.Size
	}
	return n
}

// Files returns the table's files, sorted by path.
func (s *Snapshot) Files() []Add {
	keys := slices.Sorted(maps.Keys(s.files))
	out := make([]Add, len(keys))
	for i, k := range keys {
		out[i] = s.files[k]
	}
	return out
}

// File returns the add action of the file with the given (decoded) path.
func (s *Snapshot) File(path string) (Add, bool) {
	a, ok := s.files[path]
	return a, ok
}

// Tombstones returns the remove actions of files no longer in the table, sorted by
// path. Checkpoints (issue 3) keep only tombstones younger than
// delta.deletedFileRetentionDuration, without their stats and tags, so a
// snapshot read from a checkpoint lacks the expired ones.
func (s *Snapshot) Tombstones() []Remove {
	keys := slices.Sorted(maps.Keys(s.tombstones))
	out := make([]Remove, len(keys))
	for i, k := range keys {
		out[i] = s.tombstones[k]
	}
	return out
}

// AppTransaction returns the latest txn action of an application, if any.
func (s *Snapshot) AppTransaction(appID string) (Txn, bool) {
	t, ok := s.txns[appID]
	return t, ok
}

// AppTransactions returns the latest txn action of every application, by app id.
func (s *Snapshot) AppTransactions() map[string]Txn { return maps.Clone(s.txns) }

// String summarizes the snapshot for logs and test failures.
func (s *Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "version %d, %d files", s.Version, len(s.files))
	if len(s.tombstones) > 0 {
		fmt.Fprintf(&b, ", %d tombstones", len(s.tombstones))
	}
	return b.String()
}
