package sharing

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/trestle-dev/trestle/internal/delta"
)

// stream writes an NDJSON response (metadata, query, changes) in the format
// the client asked for.
type stream struct {
	s         *Server
	q         *request
	t         *Table
	format    string // parquet or delta
	idScheme  string // parquet or delta: how file ids are hashed
	endStream bool   // the client asked for endStreamAction
	minExpiry int64  // earliest URL expiry handed out, ms
	err       error
}

// startStream chooses the format, writes the headers and returns the stream.
func (s *Server) startStream(q *request, t *Table, snap *delta.Snapshot, headerVersion int64) (*stream, error) {
	out := &stream{s: s, q: q, t: t, format: q.caps.format(snap.Protocol.MinReaderVersion)}
	if out.format == formatParquet && (snap.Protocol.MinReaderVersion > 1 || len(snap.Protocol.ReaderFeatures) > 0) {
		return nil, unsupported("Unsupported Delta Table Properties: table %s needs reader version %d %v; ask for responseformat=delta",
			t.fullName(), snap.Protocol.MinReaderVersion, snap.Protocol.ReaderFeatures)
	}
	out.idScheme = out.format
	if h := q.r.Header.Values("fileidhash"); len(h) > 0 {
		v := strings.ToLower(strings.TrimSpace(h[0]))
		if v != formatParquet && v != formatDelta {
			return nil, badRequest("Unsupported fileidhash: '%s'", h[0])
		}
		out.idScheme = v
		q.w.Header().Set("fileidhash", v)
	}
	caps := "responseformat=" + out.format
	if q.caps.endStream {
		out.endStream = true
		caps += ";includeendstreamaction=true"
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
	h.Set("Delta-Table-Version", strconv.FormatInt(headerVersion, 10))
	h.Set("delta-sharing-capabilities", caps)
	q.w.WriteHeader(http.StatusOK)
	return out, nil
}

func (o *stream) line(v any) {
	if o.err == nil {
		o.err = writeLine(o.q.w, v)
	}
}

// protocolAndMetadata writes the protocol and metaData lines of snap; version
// is set on time travel.
func (o *stream) protocolAndMetadata(snap *delta.Snapshot, version *int64) {
	if o.format == formatDelta {
		o.line(map[string]any{"protocol": map[string]any{"deltaProtocol": snap.Protocol}})
	} else {
		o.line(map[string]any{"protocol": map[string]any{"minReaderVersion": 1}})
	}
	size := snap.Size()
	o.metadata(snap.Metadata, version, &size, int64(snap.NumFiles()))
}

// metadata writes a metaData line (historical metadata has no size).
func (o *stream) metadata(m delta.Metadata, version, size *int64, numFiles int64) {
	if o.format == formatDelta {
		body := map[string]any{"deltaMetadata": m}
		if version != nil {
			body["version"] = *version
		}
		if size != nil {
			body["size"], body["numFiles"] = *size, numFiles
		}
		o.line(map[string]any{"metaData": body})
		return
	}
	body := map[string]any{
		"id":               m.ID,
		"format":           map[string]string{"provider": "parquet"},
		"schemaString":     m.SchemaString,
		"partitionColumns": nonNil(m.PartitionColumns),
	}
	if m.Name != "" {
		body["name"] = m.Name
	}
	if m.Description != "" {
		body["description"] = m.Description
	}
	if len(m.Configuration) > 0 {
		body["configuration"] = m.Configuration
	}
	if version != nil {
		body["version"] = *version
	}
	if size != nil {
		body["size"], body["numFiles"] = *size, numFiles
	}
	o.line(map[string]any{"metaData": body})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// fileAction is one file to hand out: an add (of a snapshot or a data change),
// a remove, or a change data file.
type fileAction struct {
	kind      string // "file", "add", "remove", "cdf"
	add       *delta.Add
	remove    *delta.Remove
	cdc       *delta.AddCDCFile
	version   *int64 // the commit (data changes) or the snapshot (time travel)
	timestamp *int64 // ms
}

func (f fileAction) path() string {
	switch {
	case f.add != nil:
		return f.add.Path
	case f.remove != nil:
		return f.remove.Path
	}
	return f.cdc.Path
}

// file signs the file's URL and writes its line.
func (o *stream) file(f fileAction) {
	if o.err != nil {
		return
	}
	key, err := o.t.Delta.DataKey(f.path())
	if err != nil {
		o.err = err
		return
	}
	url, exp, err := o.t.Files.SignURL(o.q.ctx, key, o.s.cfg.URLTTL)
	if err != nil {
		o.err = err
		return
	}
	expMs := exp.UnixMilli()
	if o.minExpiry == 0 || expMs < o.minExpiry {
		o.minExpiry = expMs
	}
	id := fileID(f.path(), o.idScheme)
	var size int64
	var pv map[string]string
	var stats string
	switch {
	case f.add != nil:
		size, pv, stats = f.add.Size, f.add.PartitionValues, f.add.Stats
	case f.remove != nil:
		pv = f.remove.PartitionValues
		if f.remove.Size != nil {
			size = *f.remove.Size
		}
	default:
		size, pv = f.cdc.Size, f.cdc.PartitionValues
	}
	if pv == nil {
		pv = map[string]string{}
	}
	o.q.access.Files++
	o.q.access.Bytes += size
	if o.format == formatDelta {
		o.deltaFile(f, url, id, expMs)
		return
	}
	body := map[string]any{"url": url, "id": id, "partitionValues": pv, "size": size, "expirationTimestamp": expMs}
	if stats != "" {
		body["stats"] = stats
	}
	if f.version != nil {
		body["version"] = *f.version
	}
	if f.timestamp != nil {
		body["timestamp"] = *f.timestamp
	}
	o.line(map[string]any{f.kind: body})
}

// deltaFile writes a file in the delta format: the Delta action itself with its
// path replaced by the URL.
func (o *stream) deltaFile(f fileAction, url, id string, expMs int64) {
	var single map[string]any
	switch {
	case f.add != nil:
		a := *f.add
		a.Path = url
		single = map[string]any{"add": a}
	case f.remove != nil:
		r := *f.remove
		r.Path = url
		single = map[string]any{"remove": r}
	default:
		c := *f.cdc
		c.Path = url
		single = map[string]any{"cdc": c}
	}
	body := map[string]any{"id": id, "expirationTimestamp": expMs, "deltaSingleAction": single}
	if f.version != nil {
		body["version"] = *f.version
	}
	if f.timestamp != nil {
		body["timestamp"] = *f.timestamp
	}
	o.line(map[string]any{"file": body})
}

// endInfo is what an endStreamAction carries.
type endInfo struct {
	nextPageToken, refreshToken string
}

// end writes the endStreamAction when the client asked for one (by header, or
// by paging or refresh parameters: force).
func (o *stream) end(e *endInfo) {
	if !o.endStream && e == nil {
		return
	}
	body := map[string]any{}
	if e != nil && e.nextPageToken != "" {
		body["nextPageToken"] = e.nextPageToken
	}
	if e != nil && e.refreshToken != "" {
		body["refreshToken"] = e.refreshToken
	}
	if o.minExpiry > 0 {
		body["minUrlExpirationTimestamp"] = o.minExpiry
	}
	o.line(map[string]any{"endStreamAction": body})
}
