package delta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
)

// LogDir is the name of the folder, at the table's root, that holds the log.
const LogDir = "_delta_log"

// CommitFileName returns the name of version v's commit file within the log
// folder: the version zero-padded to 20 digits, then ".json".
func CommitFileName(v int64) string { return fmt.Sprintf("%020d.json", v) }

// ParseCommitFileName returns the version a commit file name stands for, or false
// when name is not a commit file (checkpoints, _last_checkpoint, .crc files,
// anything in a subfolder).
func ParseCommitFileName(name string) (int64, bool) {
	digits, ok := strings.CutSuffix(name, ".json")
	if !ok || len(digits) != 20 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// EncodeCommit writes actions as a commit file: newline-delimited JSON, one action
// per line.
func EncodeCommit(w io.Writer, actions []Action) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, a := range actions {
		if err := enc.Encode(a); err != nil {
			return fmt.Errorf("delta: action %d: %w", i, err)
		}
	}
	return nil
}

// DecodeCommit reads a commit file's actions.
func DecodeCommit(r io.Reader) ([]Action, error) {
	dec := json.NewDecoder(r)
	var actions []Action
	for {
		var a Action
		err := dec.Decode(&a)
		if errors.Is(err, io.EOF) {
			return actions, nil
		}
		if err != nil {
			return nil, fmt.Errorf("delta: commit line %d: %w", len(actions)+1, err)
		}
		actions = append(actions, a)
	}
}

// logEntry is one commit file as listed.
type logEntry struct {
	version int64
	key     string
	modTime time.Time
}

// commit is one commit file, read.
type commit struct {
	logEntry
	actions []Action
}

func (t *Table) logPrefix() string {
	if t.root == "" {
		return LogDir + "/"
	}
	return t.root + "/" + LogDir + "/"
}

func (t *Table) commitKey(v int64) string { return t.logPrefix() + CommitFileName(v) }

// listCommits lists the commit files with versions greater than after (-1 for
// all) and at most upto (-1 for no limit), in version order, and checks that they
// are contiguous.
//
// checkpoints: see issue 3. Checkpoint files (NNN.checkpoint.parquet and the
// other forms) are skipped here; replay lists them with listLog and starts from
// the newest checkpoint not after the wanted version (load.go).
func (t *Table) listCommits(ctx context.Context, after, upto int64) ([]logEntry, error) {
	prefix := t.logPrefix()
	startAfter := ""
	if after >= 0 {
		startAfter = t.commitKey(after)
	}
	var out []logEntry
	for info, err := range t.store.List(ctx, prefix, startAfter) {
		if err != nil {
			return nil, fmt.Errorf("delta: listing %s: %w", prefix, err)
		}
		v, ok := ParseCommitFileName(strings.TrimPrefix(info.Key, prefix))
		if !ok || v <= after {
			continue
		}
		if upto >= 0 && v > upto {
			break
		}
		if len(out) > 0 && v != out[len(out)-1].version+1 {
			return nil, fmt.Errorf("delta: log is missing version %d (found %d after %d)",
				out[len(out)-1].version+1, v, out[len(out)-1].version)
		}
		if len(out) == 0 && after >= 0 && v != after+1 {
			return nil, fmt.Errorf("delta: log is missing version %d (next is %d)", after+1, v)
		}
		out = append(out, logEntry{version: v, key: info.Key, modTime: info.ModTime})
	}
	return out, nil
}

// ReadCommit returns the actions of version v's commit file, or an error wrapping
// ErrVersionNotFound.
func (t *Table) ReadCommit(ctx context.Context, v int64) ([]Action, error) {
	return t.readCommitKey(ctx, v, t.commitKey(v))
}

func (t *Table) readCommitKey(ctx context.Context, v int64, key string) ([]Action, error) {
	obj, err := t.store.Open(ctx, key)
	if errors.Is(err, blob.ErrNotExist) {
		return nil, fmt.Errorf("%w: version %d of table %q", ErrVersionNotFound, v, t.root)
	}
	if err != nil {
		return nil, fmt.Errorf("delta: reading version %d: %w", v, err)
	}
	defer obj.Close()
	actions, err := DecodeCommit(obj)
	if err != nil {
		return nil, fmt.Errorf("delta: version %d: %w", v, err)
	}
	return actions, nil
}

// readCommits reads the listed commit files, a few at a time, keeping their order.
func (t *Table) readCommits(ctx context.Context, entries []logEntry) ([]commit, error) {
	out := make([]commit, len(entries))
	const workers = 8
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		first   error
		next    int
		errSeen bool
	)
	work := func() {
		defer wg.Done()
		for {
			mu.Lock()
			i := next
			next++
			stop := errSeen
			mu.Unlock()
			if stop || i >= len(entries) {
				return
			}
			actions, err := t.readCommitKey(ctx, entries[i].version, entries[i].key)
			if err != nil {
				mu.Lock()
				if !errSeen {
					errSeen, first = true, err
					cancel()
				}
				mu.Unlock()
				return
			}
			out[i] = commit{logEntry: entries[i], actions: actions}
		}
	}
	n := min(workers, len(entries))
	wg.Add(n)
	for range n {
		go work()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// encodeCommitBytes renders actions as a commit file's content.
func encodeCommitBytes(actions []Action) ([]byte, error) {
	var buf bytes.Buffer
	if err := EncodeCommit(&buf, actions); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
