// Package delta reads and writes Delta Lake tables kept in a blob.Store, following
// the public Delta Lake protocol (PROTOCOL.md of delta-io/delta).
//
// A table lives under a root prefix; its transaction log is the folder
// <root>/_delta_log, holding one newline-delimited JSON commit file per version
// (00000000000000000000.json, ...). Each line is an action: protocol, metaData,
// add, remove, cdc, txn or commitInfo (Action). Replaying the commits in order
// gives a Snapshot: the latest protocol and metadata, the files in the table, the
// tombstones of removed files and the applications' transaction versions.
//
// Writers commit optimistically: Table.Commit writes version n+1 with the store's
// atomic put-if-absent, so of two writers that read version n exactly one wins and
// the other gets a *ConflictError (ErrConcurrentCommit). Table.CommitWithRetry
// rebuilds the commit on the new snapshot and tries again.
//
// Checkpoints (issue 3): every delta.checkpointInterval commits (default 10)
// Commit writes a classic V1 checkpoint, NNN.checkpoint.parquet, and points
// _last_checkpoint at it (Table.Checkpoint writes one on demand). Replay starts
// from the newest readable checkpoint not after the wanted version, found
// through _last_checkpoint or by listing the log, and applies the later commits.
// Table.CleanupLog deletes commits and checkpoints older than a retention
// period that a newer kept checkpoint makes unnecessary.
//
// Data: Append and Overwrite write Parquet files (internal/delta/datafile) and
// commit them with their statistics; Merge upserts and deletes by key, rewriting only
// the files whose rows change and writing _change_data files with _change_type;
// Changes and ReadChanges read the change data feed between versions; Scan reads a
// snapshot's rows; Vacuum deletes unreferenced files past the retention.
//
// Not implemented yet: V2 (UUID-named, sidecar) checkpoints, partitioned writes,
// deletion vectors and column mapping other than mode "none".
package delta
