package delta

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Table properties about checkpoints and retention.
// ConfigEnableChangeDataFeed is the table property that turns the change data feed
// on; tables created with it set get writer version 4.
const ConfigEnableChangeDataFeed = "delta.enableChangeDataFeed"

const (
	configCheckpointInterval    = "delta.checkpointInterval"
	configLogRetention          = "delta.logRetentionDuration"
	configDeletedFileRetention  = "delta.deletedFileRetentionDuration"
	configWriteStatsAsJSON      = "delta.checkpoint.writeStatsAsJson"
	configWriteStatsAsStruct    = "delta.checkpoint.writeStatsAsStruct"
	configCompressionCodec      = "delta.parquet.compression.codec"
	defaultCheckpointInterval   = 10
	defaultLogRetention         = 30 * 24 * time.Hour
	defaultDeletedFileRetention = 7 * 24 * time.Hour
)

// CheckpointInterval returns delta.checkpointInterval: a checkpoint is written
// every that many commits. Absent means 10; a value that is not a positive
// integer is an error.
func (m *Metadata) CheckpointInterval() (int64, error) {
	s, ok := m.Configuration[configCheckpointInterval]
	if !ok {
		return defaultCheckpointInterval, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("delta: %s %q is not a positive integer", configCheckpointInterval, s)
	}
	return n, nil
}

// LogRetention returns delta.logRetentionDuration, how long log entries are
// kept (see CleanupLog). Absent means 30 days.
func (m *Metadata) LogRetention() (time.Duration, error) {
	return m.durationConfig(configLogRetention, defaultLogRetention)
}

// DeletedFileRetention returns delta.deletedFileRetentionDuration, how long the
// tombstone of a removed file is kept (in checkpoints) before it expires.
// Absent means one week.
func (m *Metadata) DeletedFileRetention() (time.Duration, error) {
	return m.durationConfig(configDeletedFileRetention, defaultDeletedFileRetention)
}

func (m *Metadata) durationConfig(key string, def time.Duration) (time.Duration, error) {
	s, ok := m.Configuration[key]
	if !ok {
		return def, nil
	}
	d, err := ParseInterval(s)
	if err != nil {
		return 0, fmt.Errorf("delta: %s: %w", key, err)
	}
	return d, nil
}

// ParseInterval reads a duration written the way Delta table properties write
// them: "interval 30 days", "1 week", "interval 2 days 12 hours". Units are
// week, day, hour, minute, second, millisecond, microsecond and nanosecond,
// singular or plural, in any case; months and years are refused (they have no
// fixed length).
func ParseInterval(s string) (time.Duration, error) {
	words := strings.Fields(strings.ToLower(s))
	if len(words) > 0 && words[0] == "interval" {
		words = words[1:]
	}
	if len(words) == 0 || len(words)%2 != 0 {
		return 0, fmt.Errorf("invalid interval %q", s)
	}
	units := map[string]time.Duration{
		"week": 7 * 24 * time.Hour, "day": 24 * time.Hour, "hour": time.Hour, "minute": time.Minute,
		"second": time.Second, "millisecond": time.Millisecond, "microsecond": time.Microsecond,
		"nanosecond": time.Nanosecond,
	}
	var total time.Duration
	for i := 0; i < len(words); i += 2 {
		n, err := strconv.ParseInt(words[i], 10, 64)
		unit, ok := units[strings.TrimSuffix(words[i+1], "s")]
		if err != nil || n < 0 || !ok {
			return 0, fmt.Errorf("invalid interval %q", s)
		}
		if unit > 0 && n > int64((1<<63-1)/unit) {
			return 0, fmt.Errorf("interval %q is too long", s)
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// checkpointDue reports whether Commit should write a checkpoint of version v
// of a table with metadata m: v is a positive multiple of the checkpoint
// interval. An invalid interval falls back to the default.
func checkpointDue(v int64, m *Metadata) bool {
	n, err := m.CheckpointInterval()
	if err != nil {
		n = defaultCheckpointInterval
	}
	return v > 0 && v%n == 0
}

// CleanupResult reports what CleanupLog did.
type CleanupResult struct {
	// CutoffCheckpoint is the version of the checkpoint the log now starts
	// from, or -1 when no checkpoint was old enough and nothing was deleted.
	CutoffCheckpoint int64
	// Deleted lists the keys of the deleted files, oldest first.
	Deleted []string
}

// CleanupLog deletes log files no longer needed to read any version newer than
// retention, following the protocol's "Metadata Cleanup": the cut-off time is
// midnight UTC of the day retention ago; the cut-off commit is the newest commit
// not newer than that; the cut-off checkpoint is the newest checkpoint at or
// before the cut-off commit whose own commit is not newer than the cut-off time.
// Commit files, checkpoints and checksum files of versions before the cut-off
// checkpoint are deleted, with log compactions starting at or before it and
// staged commits up to it. The cut-off checkpoint and its commit file stay, so
// every version from the cut-off checkpoint on can still be read. Without such a
// checkpoint nothing is deleted. Commit times are those of CommitTimestamp.
// Sidecar files (V2 checkpoints, which this package does not write) are not
// touched. A table's own retention is Metadata.LogRetention.
func (t *Table) CleanupLog(ctx context.Context, retention time.Duration) (CleanupResult, error) {
	if retention < 0 {
		return CleanupResult{CutoffCheckpoint: -1}, fmt.Errorf("delta: negative log retention %v", retention)
	}
	cutoff := time.Now().Add(-retention).UTC().Truncate(24 * time.Hour)
	return t.cleanupLogBefore(ctx, cutoff)
}

// cleanupLogBefore is CleanupLog with the cut-off time given.
func (t *Table) cleanupLogBefore(ctx context.Context, cutoff time.Time) (CleanupResult, error) {
	res := CleanupResult{CutoffCheckpoint: -1}
	files, err := t.listLog(ctx, 0)
	if err != nil {
		return res, err
	}
	view := newLogView(files, -1)
	if len(view.checkpoints) == 0 {
		return res, nil
	}
	newestCheckpoint := view.checkpoints[len(view.checkpoints)-1].version
	var entries []logEntry
	for _, e := range view.commits {
		if e.version <= newestCheckpoint {
			entries = append(entries, e)
		}
	}
	commits, err := t.readCommits(ctx, entries)
	if err != nil {
		return res, err
	}
	old := map[int64]bool{} // commits not newer than the cut-off time
	cutoffCommit := int64(-1)
	for _, c := range commits {
		if !CommitTimestamp(commitInfoOf(c.actions), c.modTime).After(cutoff) {
			old[c.version] = true
			cutoffCommit = c.version
		}
	}
	var cp *checkpointRef
	for i := len(view.checkpoints) - 1; i >= 0; i-- {
		if ref := view.checkpoints[i]; ref.version <= cutoffCommit && old[ref.version] {
			cp = &view.checkpoints[i]
			break
		}
	}
	if cp == nil || cp.version == 0 {
		return res, nil // nothing before the cut-off checkpoint
	}
	// Only delete what a checkpoint that can really be read replaces.
	if _, err := t.readCheckpoint(ctx, *cp); err != nil {
		return res, fmt.Errorf("delta: log cleanup: cut-off checkpoint of version %d: %w", cp.version, err)
	}
	res.CutoffCheckpoint = cp.version
	del := func(key string) error {
		if err := t.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("delta: log cleanup: deleting %s: %w", key, err)
		}
		res.Deleted = append(res.Deleted, key)
		return nil
	}
	for _, f := range files {
		if f.version < cp.version || f.kind == logCompaction && f.version <= cp.version {
			if err := del(f.key); err != nil {
				return res, err
			}
		}
	}
	staged := t.logPrefix() + "_staged_commits/"
	for info, err := range t.store.List(ctx, staged, "") {
		if err != nil {
			return res, fmt.Errorf("delta: listing %s: %w", staged, err)
		}
		name := strings.TrimPrefix(info.Key, staged)
		v, err := strconv.ParseInt(name[:min(20, len(name))], 10, 64)
		if len(name) < 21 || name[20] != '.' || err != nil || v > cp.version {
			continue
		}
		if err := del(info.Key); err != nil {
			return res, err
		}
	}
	return res, nil
}
