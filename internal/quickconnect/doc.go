// Package quickconnect is the hub's scheduled one-way sync from a company's
// system of record ("QuickConnect"): sources (package source) read rows, a
// mapping (package mapping) turns them into planning records, and package
// ingest plans and applies them like any other way in. This package holds what
// ties them together: schedules, runs and their history.
package quickconnect
