// Package state keeps what the connector has synced: per table, the Delta
// version the destination holds, how it got there (full or incremental), row
// counts and when. The file lives beside config.yaml and is replaced
// atomically (write to a temporary file, fsync, rename), so a crash leaves the
// previous state; a table's entry is only advanced after the destination
// committed.
package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// FileName is the state file's name beside config.yaml.
const FileName = "state.json"

// Modes a table was synced in.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
)

// Table is what the destination holds of one shared table.
type Table struct {
	// Version is the table version the destination holds.
	Version int64 `json:"version"`
	// Mode is how the last sync ran (ModeFull or ModeIncremental).
	Mode string `json:"mode"`
	// Rows is the number of rows the last sync wrote (a full load: the table;
	// incremental: the changes applied); Deleted counts rows it deleted.
	Rows    int64 `json:"rows"`
	Deleted int64 `json:"deleted,omitempty"`
	// SchemaHash identifies the schema loaded, to notice schema changes.
	SchemaHash string `json:"schema_hash,omitempty"`
	// Schema is the table's Delta schema (JSON) as loaded, to tell added
	// columns from other changes.
	Schema string `json:"schema,omitempty"`
	// Key is the primary key changes were (or will be) applied by.
	Key []string `json:"key,omitempty"`
	// SyncedAt is when the destination committed.
	SyncedAt time.Time `json:"synced_at"`
	// Destination is the destination table's name.
	Destination string `json:"destination,omitempty"`
}

// File is the state of every table, keyed by "share.schema.table".
type File struct {
	path string
	mu   sync.Mutex
	data struct {
		Version int              `json:"version"`
		Tables  map[string]Table `json:"tables"`
	}
}

// Open reads the state file at path; a missing file is an empty state.
func Open(path string) (*File, error) {
	f := &File{path: path}
	f.data.Version = 1
	f.data.Tables = map[string]Table{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("read sync state: %w", err)
	}
	if err := json.Unmarshal(b, &f.data); err != nil {
		return nil, fmt.Errorf("sync state %s is not valid JSON (%v); move it away to start over with full syncs", path, err)
	}
	if f.data.Version != 1 {
		return nil, fmt.Errorf("sync state %s has version %d; this connector reads version 1", path, f.data.Version)
	}
	if f.data.Tables == nil {
		f.data.Tables = map[string]Table{}
	}
	return f, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Get returns a table's state.
func (f *File) Get(table string) (Table, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.data.Tables[table]
	return t, ok
}

// Tables lists the tables with a state, sorted.
func (f *File) Tables() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.data.Tables {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Set records a table's new state and writes the file atomically. Call it
// only after the destination committed.
func (f *File) Set(table string, t Table) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, had := f.data.Tables[table]
	f.data.Tables[table] = t
	if err := f.save(); err != nil {
		if had {
			f.data.Tables[table] = prev
		} else {
			delete(f.data.Tables, table)
		}
		return err
	}
	return nil
}

// Forget removes a table's state (its next sync is full).
func (f *File) Forget(table string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, had := f.data.Tables[table]
	if !had {
		return nil
	}
	delete(f.data.Tables, table)
	if err := f.save(); err != nil {
		f.data.Tables[table] = prev
		return err
	}
	return nil
}

func (f *File) save() error {
	b, err := json.MarshalIndent(&f.data, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*")
	if err != nil {
		return fmt.Errorf("write sync state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write sync state: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write sync state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write sync state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write sync state: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("write sync state: %w", err)
	}
	return nil
}
