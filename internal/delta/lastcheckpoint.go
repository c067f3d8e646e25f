package delta

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LastCheckpointFileName is the name, within the log folder, of the file that
// points readers at a recent checkpoint.
const LastCheckpointFileName = "_last_checkpoint"

// lastCheckpoint is the content of _last_checkpoint (PROTOCOL.md, "Last
// Checkpoint File Schema"). Parts is absent for classic checkpoints.
type lastCheckpoint struct {
	Version       int64  `json:"version"`
	Size          int64  `json:"size"`
	Parts         *int   `json:"parts,omitempty"`
	SizeInBytes   *int64 `json:"sizeInBytes,omitempty"`
	NumOfAddFiles *int64 `json:"numOfAddFiles,omitempty"`
	Checksum      string `json:"checksum,omitempty"`
}

func (t *Table) lastCheckpointKey() string { return t.logPrefix() + LastCheckpointFileName }

// writeLastCheckpoint replaces _last_checkpoint with info, with its checksum.
func (t *Table) writeLastCheckpoint(ctx context.Context, info CheckpointInfo) error {
	lc := lastCheckpoint{Version: info.Version, Size: info.Size, SizeInBytes: &info.SizeInBytes, NumOfAddFiles: &info.NumOfAddFiles}
	body, err := json.Marshal(lc)
	if err != nil {
		return err
	}
	sum, err := lastCheckpointChecksum(body)
	if err != nil {
		return err
	}
	lc.Checksum = sum
	if body, err = json.Marshal(lc); err != nil {
		return err
	}
	if err := t.store.Put(ctx, t.lastCheckpointKey(), bytes.NewReader(body)); err != nil {
		return fmt.Errorf("delta: writing %s: %w", LastCheckpointFileName, err)
	}
	return nil
}

// readLastCheckpoint reads _last_checkpoint. Any failure (missing, unreadable,
// malformed, wrong checksum) is an error; callers then list the log instead.
func (t *Table) readLastCheckpoint(ctx context.Context) (lastCheckpoint, error) {
	obj, err := t.store.Open(ctx, t.lastCheckpointKey())
	if err != nil {
		return lastCheckpoint{}, err
	}
	defer obj.Close()
	body, err := io.ReadAll(io.LimitReader(obj, 1<<20))
	if err != nil {
		return lastCheckpoint{}, err
	}
	var lc lastCheckpoint
	if err := json.Unmarshal(body, &lc); err != nil {
		return lastCheckpoint{}, fmt.Errorf("delta: %s: %w", LastCheckpointFileName, err)
	}
	if lc.Version < 0 || lc.Parts != nil && *lc.Parts < 1 {
		return lastCheckpoint{}, fmt.Errorf("delta: %s: invalid version %d or parts", LastCheckpointFileName, lc.Version)
	}
	if lc.Checksum != "" {
		sum, err := lastCheckpointChecksum(body)
		if err != nil || !strings.EqualFold(sum, lc.Checksum) {
			return lastCheckpoint{}, fmt.Errorf("delta: %s: checksum mismatch", LastCheckpointFileName)
		}
	}
	return lc, nil
}

// lastCheckpointChecksum computes the MD5 checksum of a _last_checkpoint JSON
// document over its canonical form (PROTOCOL.md, "JSON checksum"): every leaf
// as path=value, strings and names quoted and URL-encoded, array positions as
// bare numbers, path segments joined by '+', pairs sorted by path bytes and
// joined by ','; the top-level "checksum" member is left out.
func lastCheckpointChecksum(doc []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return "", err
	}
	delete(root, "checksum")
	type pair struct{ path, value string }
	var pairs []pair
	var walk func(path string, v any)
	join := func(path, seg string) string {
		if path == "" {
			return seg
		}
		return path + "+" + seg
	}
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(join(path, `"`+canonicalEscape(k)+`"`), c)
			}
		case []any:
			for i, c := range v {
				walk(join(path, strconv.Itoa(i)), c)
			}
		case string:
			pairs = append(pairs, pair{path, `"` + canonicalEscape(v) + `"`})
		case json.Number:
			pairs = append(pairs, pair{path, v.String()})
		case bool:
			pairs = append(pairs, pair{path, strconv.FormatBool(v)})
		case nil:
			pairs = append(pairs, pair{path, "null"})
		}
	}
	walk("", root)
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.path, b.path) })
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.path + "=" + p.value)
	}
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:]), nil
}

// canonicalEscape percent-encodes every byte except A-Z a-z 0-9 - . _ ~, with
// upper-case hex digits.
func canonicalEscape(s string) string {
	return percentEncode(s, func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
	})
}

// Kinds of files in the log folder.
type logFileKind int

const (
	logCommit         logFileKind = iota // NNN.json
	logCheckpoint                        // NNN.checkpoint.parquet (classic)
	logCheckpointPart                    // NNN.checkpoint.OOO.PPP.parquet (multi-part, V1)
	logCheckpointUUID                    // NNN.checkpoint.<uuid>.json|parquet (V2)
	logChecksum                          // NNN.crc
	logCompaction                        // XXX.YYY.compacted.json
)

// logFile is one file of the log folder, as listed.
type logFile struct {
	kind        logFileKind
	version     int64 // for compactions, the start version
	part, parts int   // multi-part checkpoints only
	key         string
	size        int64
	modTime     time.Time
}

// parseLogFileName recognizes the names of files in the log folder that carry
// a version. Anything else (_last_checkpoint, subfolders) gives false.
func parseLogFileName(name string) (logFile, bool) {
	num := func(s string, width int) (int64, bool) {
		if len(s) != width {
			return 0, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
		}
		v, err := strconv.ParseInt(s, 10, 64)
		return v, err == nil
	}
	if len(name) < 21 || strings.Contains(name, "/") {
		return logFile{}, false
	}
	v, ok := num(name[:20], 20)
	if !ok || name[20] != '.' {
		return logFile{}, false
	}
	rest := name[21:]
	switch {
	case rest == "json":
		return logFile{kind: logCommit, version: v}, true
	case rest == "crc":
		return logFile{kind: logChecksum, version: v}, true
	case rest == "checkpoint.parquet":
		return logFile{kind: logCheckpoint, version: v}, true
	case strings.HasSuffix(rest, ".compacted.json"):
		if _, ok := num(strings.TrimSuffix(rest, ".compacted.json"), 20); ok {
			return logFile{kind: logCompaction, version: v}, true
		}
	case strings.HasPrefix(rest, "checkpoint."):
		mid := strings.TrimPrefix(rest, "checkpoint.")
		if p, ok := strings.CutSuffix(mid, ".parquet"); ok {
			if o, ok1 := num(p[:min(len(p), 10)], 10); ok1 && len(p) == 21 && p[10] == '.' {
				if n, ok2 := num(p[11:], 10); ok2 && o >= 1 && o <= n {
					return logFile{kind: logCheckpointPart, version: v, part: int(o), parts: int(n)}, true
				}
			}
			if p != "" {
				return logFile{kind: logCheckpointUUID, version: v}, true
			}
		}
		if u, ok := strings.CutSuffix(mid, ".json"); ok && u != "" {
			return logFile{kind: logCheckpointUUID, version: v}, true
		}
	}
	return logFile{}, false
}

// listLog lists the versioned files of the log folder with version >= from, in
// key order (which is version order).
func (t *Table) listLog(ctx context.Context, from int64) ([]logFile, error) {
	prefix := t.logPrefix()
	startAfter := ""
	if from > 0 {
		// No key equals the bare digits; every file of version from sorts after.
		startAfter = prefix + fmt.Sprintf("%020d", from)
	}
	var out []logFile
	for info, err := range t.store.List(ctx, prefix, startAfter) {
		if err != nil {
			return nil, fmt.Errorf("delta: listing %s: %w", prefix, err)
		}
		name := strings.TrimPrefix(info.Key, prefix)
		if name != "" && name[0] > '9' {
			break // _last_checkpoint, _sidecars/ ...: past every versioned file
		}
		f, ok := parseLogFileName(name)
		if !ok || f.version < from {
			continue
		}
		f.key, f.size, f.modTime = info.Key, info.Size, info.ModTime
		out = append(out, f)
	}
	return out, nil
}

// checkpointRef is a complete checkpoint this package can read: a classic one,
// or every part of a multi-part one.
type checkpointRef struct {
	version int64
	keys    []string // part files in order
	modTime time.Time
}

// logView sorts listed files into the commits and the readable checkpoints with
// versions up to upto (-1: all).
type logView struct {
	commits     []logEntry      // in version order, not checked for gaps
	checkpoints []checkpointRef // in version order
}

func newLogView(files []logFile, upto int64) logView {
	var view logView
	parts := map[int64]map[int][]logFile{} // version -> parts count -> files
	classic := map[int64]bool{}
	for _, f := range files {
		if upto >= 0 && f.version > upto {
			continue
		}
		switch f.kind {
		case logCommit:
			view.commits = append(view.commits, logEntry{version: f.version, key: f.key, modTime: f.modTime})
		case logCheckpoint:
			classic[f.version] = true
			view.checkpoints = append(view.checkpoints, checkpointRef{version: f.version, keys: []string{f.key}, modTime: f.modTime})
		case logCheckpointPart:
			if parts[f.version] == nil {
				parts[f.version] = map[int][]logFile{}
			}
			parts[f.version][f.parts] = append(parts[f.version][f.parts], f)
		}
	}
	// Multi-part checkpoints count only when every part is there (and no classic
	// checkpoint of the version is).
	for v, byCount := range parts {
		if classic[v] {
			continue
		}
		for n, fs := range byCount {
			slices.SortFunc(fs, func(a, b logFile) int { return a.part - b.part })
			fs = slices.CompactFunc(fs, func(a, b logFile) bool { return a.part == b.part })
			if len(fs) != n {
				continue
			}
			ref := checkpointRef{version: v, modTime: fs[0].modTime}
			for _, f := range fs {
				ref.keys = append(ref.keys, f.key)
			}
			view.checkpoints = append(view.checkpoints, ref)
			break
		}
	}
	slices.SortStableFunc(view.checkpoints, func(a, b checkpointRef) int { return compareInt64(a.version, b.version) })
	return view
}
