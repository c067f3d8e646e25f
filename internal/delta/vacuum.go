package delta

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
)

// ErrRetentionTooShort is returned by Vacuum when the retention asked for is
// shorter than the table's delta.deletedFileRetentionDuration and Force is not
// set.
var ErrRetentionTooShort = errors.New("delta: vacuum retention is shorter than delta.deletedFileRetentionDuration")

// vacuumNow is the clock Vacuum uses; tests replace it.
var vacuumNow = time.Now

// VacuumOptions tunes VacuumWithOptions.
type VacuumOptions struct {
	// Retention: files removed (or, when never committed, last written) less
	// than this long ago are kept.
	Retention time.Duration
	// DryRun lists the files Vacuum would delete without deleting them.
	DryRun bool
	// Force allows a retention shorter than delta.deletedFileRetentionDuration,
	// which can break time travel and readers still using old versions.
	Force bool
}

// Vacuum deletes the data and change data files the latest snapshot does not
// reference and that are older than retention, and returns their store keys
// (the ones it would delete, when dryRun). See VacuumWithOptions.
func (t *Table) Vacuum(ctx context.Context, retention time.Duration, dryRun bool) ([]string, error) {
	return t.VacuumWithOptions(ctx, VacuumOptions{Retention: retention, DryRun: dryRun})
}

// VacuumWithOptions deletes the files under the table root that the latest
// snapshot does not reference: a file with a tombstone goes when its
// deletionTimestamp is older than the retention, any other unreferenced file
// (change data files, files of failed or uncommitted writes, files whose
// tombstone expired) when its modification time is. Nothing under _delta_log
// is touched, nor files in other folders whose name starts with "_" or "."
// (except _change_data). A retention shorter than the table's
// delta.deletedFileRetentionDuration is refused (ErrRetentionTooShort) unless
// Force is set. Versions whose files were deleted can no longer be read.
func (t *Table) VacuumWithOptions(ctx context.Context, o VacuumOptions) ([]string, error) {
	snap, err := t.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	min, err := snap.Metadata.DeletedFileRetention()
	if err != nil {
		return nil, err
	}
	if o.Retention < 0 || (o.Retention < min && !o.Force) {
		return nil, fmt.Errorf("%w: %s < %s", ErrRetentionTooShort, o.Retention, min)
	}
	cutoff := vacuumNow().Add(-o.Retention)
	keep := map[string]bool{}
	for _, a := range snap.Files() {
		key, err := t.DataKey(a.Path)
		if err != nil {
			return nil, err
		}
		keep[key] = true
	}
	tombstones := map[string]time.Time{}
	for _, r := range snap.Tombstones() {
		key, err := t.DataKey(r.Path)
		if err != nil {
			return nil, err
		}
		var ts time.Time // no deletionTimestamp: fall back to the file's time
		if r.DeletionTimestamp != nil {
			ts = time.UnixMilli(*r.DeletionTimestamp)
		}
		tombstones[key] = ts
	}
	prefix := ""
	if t.root != "" {
		prefix = t.root + "/"
	}
	var doomed []string
	for info, err := range t.store.List(ctx, prefix, "") {
		if err != nil {
			return nil, fmt.Errorf("delta: vacuum: listing %s: %w", prefix, err)
		}
		rel := strings.TrimPrefix(info.Key, prefix)
		if keep[info.Key] || hiddenPath(rel) {
			continue
		}
		when := info.ModTime
		if ts, ok := tombstones[info.Key]; ok && !ts.IsZero() {
			when = ts
		}
		if when.Before(cutoff) {
			doomed = append(doomed, info.Key)
		}
	}
	if o.DryRun {
		return doomed, nil
	}
	for i, key := range doomed {
		if err := t.store.Delete(ctx, key); err != nil && !errors.Is(err, blob.ErrNotExist) {
			return doomed[:i], fmt.Errorf("delta: vacuum: deleting %s: %w", key, err)
		}
	}
	return doomed, nil
}

// hiddenPath reports whether a path relative to the table root lies in the
// log or in a hidden folder or file Vacuum leaves alone.
func hiddenPath(rel string) bool {
	if rel == LogDir || strings.HasPrefix(rel, LogDir+"/") {
		return true
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ChangeDataDir {
			continue
		}
		if strings.HasPrefix(part, "_") || strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}
