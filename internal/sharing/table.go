package sharing

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/delta"
)

// table dispatches the per-table endpoints: version, metadata, query, changes.
func (s *Server) table(q *request, share, schema, name string, rest []string) error {
	q.access.Share, q.access.Schema, q.access.Name = share, schema, name
	_, tables, err := s.tables(q, share)
	if err != nil {
		return err
	}
	var t *Table
	for i := range tables {
		if strings.EqualFold(tables[i].Schema, schema) && strings.EqualFold(tables[i].Name, name) {
			t = &tables[i]
			break
		}
	}
	if t == nil {
		return notFound("[Share/Schema/Table] '%s/%s/%s' does not exist, please contact your share provider for further information.", share, schema, name)
	}
	switch {
	case len(rest) == 0:
		// HEAD T: the deprecated form of GET T/version.
		return s.method(q, http.MethodHead, func(q *request) error { return s.version(q, t) })
	case len(rest) == 1 && rest[0] == "version":
		return s.method(q, http.MethodGet, func(q *request) error { return s.version(q, t) })
	case len(rest) == 1 && rest[0] == "metadata":
		return s.method(q, http.MethodGet, func(q *request) error { return s.metadata(q, t) })
	case len(rest) == 1 && rest[0] == "query":
		return s.method(q, http.MethodPost, func(q *request) error { return s.query(q, t) })
	case len(rest) == 1 && rest[0] == "changes":
		return s.method(q, http.MethodGet, func(q *request) error { return s.changes(q, t) })
	case len(rest) == 1 && rest[0] == "temporary-table-credentials":
		return unsupported("table %s.%s.%s is shared with URL access only (accessModes: url); temporary table credentials are not available", t.Share, t.Schema, t.Name)
	case len(rest) == 2 && rest[0] == "queries":
		return unsupported("asynchronous queries are not supported: the server answers queries synchronously")
	}
	return notFound("no such endpoint")
}

func (t *Table) fullName() string { return t.Share + "." + t.Schema + "." + t.Name }

func (t *Table) key() string { return strings.ToLower(t.fullName()) }

func historyRequired(t *Table) error {
	if t.History {
		return nil
	}
	return badRequest("Reading table by version or timestamp is not supported because history sharing is not enabled on table: %s", t.fullName())
}

// parseTimestamp reads the protocol's ISO-8601 timestamps (UTC "Z" or an offset).
func parseTimestamp(name, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z07:00"} {
		if ts, err := time.Parse(layout, v); err == nil {
			return ts, nil
		}
	}
	return time.Time{}, badRequest("Invalid %s: %s", name, v)
}

// versionAtOrAfter is the first version committed at or after ts (0 before
// the first commit); 400 when ts is after the latest commit.
func versionAtOrAfter(q *request, t *Table, ts time.Time) (int64, error) {
	snap, err := t.Delta.SnapshotAtTime(q.ctx, ts)
	switch {
	case errors.Is(err, delta.ErrTimestampTooEarly):
		first, ferr := earliestVersion(q, t)
		return first, ferr
	case err != nil:
		return 0, err
	}
	if snap.Timestamp.Equal(ts) {
		return snap.Version, nil
	}
	latest, err := t.Delta.LatestVersion(q.ctx)
	if err != nil {
		return 0, err
	}
	if snap.Version >= latest {
		return 0, badRequest("The provided timestamp (%s) is after the latest version available to this table (%d).", ts.UTC().Format(time.RFC3339), latest)
	}
	return snap.Version + 1, nil
}

// earliestVersion is the oldest version the log can still serve.
func earliestVersion(q *request, t *Table) (int64, error) {
	return t.Delta.EarliestVersion(q.ctx)
}

// version answers GET T/version (and HEAD T): the Delta-Table-Version header.
func (s *Server) version(q *request, t *Table) error {
	v, err := t.Delta.LatestVersion(q.ctx)
	if err != nil {
		return tableErr(t, err)
	}
	if ts := q.r.URL.Query().Get("startingTimestamp"); ts != "" {
		if err := historyRequired(t); err != nil {
			return err
		}
		at, err := parseTimestamp("startingTimestamp", ts)
		if err != nil {
			return err
		}
		if v, err = versionAtOrAfter(q, t, at); err != nil {
			return err
		}
	}
	q.w.Header().Set("Delta-Table-Version", strconv.FormatInt(v, 10))
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// tableErr turns delta errors into protocol errors.
func tableErr(t *Table, err error) error {
	switch {
	case errors.Is(err, delta.ErrTableNotFound):
		return &apiError{http.StatusBadRequest, codeNotFound, "table files missing for " + t.fullName()}
	case errors.Is(err, delta.ErrUnsupportedProtocol):
		return unsupported("Unsupported Delta Table Properties: %v", err)
	case errors.Is(err, delta.ErrVersionNotFound):
		return badRequest("%v", err)
	}
	return err
}

// metadata answers GET T/metadata: protocol and metaData lines.
func (s *Server) metadata(q *request, t *Table) error {
	vals := q.r.URL.Query()
	snap, err := s.snapshot(q, t, vals.Get("version"), vals.Get("timestamp"), vals.Has("version") || vals.Has("timestamp"))
	if err != nil {
		return err
	}
	out, err := s.startStream(q, t, snap, snap.Version)
	if err != nil {
		return err
	}
	var version *int64
	if vals.Has("version") || vals.Has("timestamp") {
		version = &snap.Version
	}
	out.protocolAndMetadata(snap, version)
	out.end(nil)
	return out.err
}

// snapshot resolves a version or timestamp parameter (history required), or
// the latest snapshot.
func (s *Server) snapshot(q *request, t *Table, version, timestamp string, travel bool) (*delta.Snapshot, error) {
	if version != "" && timestamp != "" {
		return nil, badRequest("Please only provide one of: version,timestamp")
	}
	if travel {
		if err := historyRequired(t); err != nil {
			return nil, err
		}
	}
	var snap *delta.Snapshot
	var err error
	switch {
	case version != "":
		v, perr := strconv.ParseInt(version, 10, 64)
		if perr != nil {
			return nil, badRequest("Not a numeric value: %s", version)
		}
		if v < 0 {
			return nil, badRequest("table version cannot be negative")
		}
		snap, err = t.Delta.SnapshotAt(q.ctx, v)
	case timestamp != "":
		ts, perr := parseTimestamp("timestamp", timestamp)
		if perr != nil {
			return nil, perr
		}
		snap, err = t.Delta.SnapshotAtTime(q.ctx, ts)
		if errors.Is(err, delta.ErrTimestampTooEarly) {
			return nil, badRequest("The provided timestamp (%s) is before the earliest version available to this table.", timestamp)
		}
	default:
		snap, err = t.Delta.Snapshot(q.ctx)
	}
	if err != nil {
		return nil, tableErr(t, err)
	}
	return snap, nil
}

// fileID is a file's stable id: md5 of its path for the parquet scheme, sha256
// for the delta scheme (the reference server's choice).
func fileID(path, scheme string) string {
	if scheme == formatDelta {
		h := sha256.Sum256([]byte(path))
		return hex.EncodeToString(h[:])
	}
	h := md5.Sum([]byte(path))
	return hex.EncodeToString(h[:])
}

func writeLine(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}
