package sharing

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/delta"
)

// commitFiles is what one commit contributes to a data-change or change-data
// response.
type commitFiles struct {
	version   int64
	timestamp int64 // ms
	operation string
	metadata  *delta.Metadata
	adds      []delta.Add
	removes   []delta.Remove
	cdcs      []delta.AddCDCFile
}

// readRange reads the commits start..end (inclusive).
func readRange(q *request, t *Table, start, end int64) ([]commitFiles, error) {
	out := make([]commitFiles, 0, end-start+1)
	for v := start; v <= end; v++ {
		actions, err := t.Delta.ReadCommit(q.ctx, v)
		if err != nil {
			if errors.Is(err, delta.ErrVersionNotFound) {
				return nil, badRequest("version %d of table %s is no longer in its history (log retention)", v, t.fullName())
			}
			return nil, err
		}
		c := commitFiles{version: v}
		var ci *delta.CommitInfo
		for _, a := range actions {
			switch {
			case a.CommitInfo != nil:
				ci = a.CommitInfo
			case a.Metadata != nil:
				c.metadata = a.Metadata
			case a.Add != nil && a.Add.DataChange:
				c.adds = append(c.adds, *a.Add)
			case a.Remove != nil && a.Remove.DataChange:
				c.removes = append(c.removes, *a.Remove)
			case a.CDC != nil:
				c.cdcs = append(c.cdcs, *a.CDC)
			}
		}
		if ci != nil {
			c.operation = ci.Operation
		}
		c.timestamp = delta.CommitTimestamp(ci, time.Time{}).UnixMilli()
		if c.timestamp <= 0 {
			// No commitInfo timestamp: fall back to the table's view of the time.
			if snap, err := t.Delta.SnapshotAt(q.ctx, v); err == nil {
				c.timestamp = snap.Timestamp.UnixMilli()
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// queryChanges answers a query with startingVersion: the data-change add and
// remove files of each commit from startingVersion, with historical metadata.
func (s *Server) queryChanges(q *request, t *Table, b queryBody, maxFiles int) error {
	if err := historyRequired(t); err != nil {
		return err
	}
	latest, err := t.Delta.LatestVersion(q.ctx)
	if err != nil {
		return tableErr(t, err)
	}
	start, end := *b.StartingVersion, latest
	if b.EndingVersion != nil {
		if *b.EndingVersion > latest {
			return badRequest("End version cannot be greater than the latest version")
		}
		end = *b.EndingVersion
	}
	if start > latest {
		return badRequest("Provided startingVersion(%d) is greater than the latest version of the table(%d)", start, latest)
	}
	snap, err := t.Delta.SnapshotAt(q.ctx, start)
	if err != nil {
		return tableErr(t, err)
	}
	format := q.caps.format(snap.Protocol.MinReaderVersion)
	now := s.cfg.Now().UnixMilli()
	offset := 0
	if b.PageToken != "" {
		p, err := s.decodePage(b.PageToken, t, now)
		if err != nil {
			return err
		}
		if p.Params != b.paramsHash(format) {
			return badRequest("Query parameter mismatch detected for the next page query")
		}
		offset = p.Offset
	}
	commits, err := readRange(q, t, start, end)
	if err != nil {
		return err
	}
	out, err := s.startStream(q, t, snap, start)
	if err != nil {
		return err
	}
	out.protocolAndMetadata(snap, &start)
	var files []fileAction
	for _, c := range commits {
		if c.metadata != nil && c.version > start {
			v := c.version
			out.metadata(*c.metadata, &v, nil, 0)
		}
		for i := range c.adds {
			files = append(files, fileAction{kind: "add", add: &c.adds[i], version: &c.version, timestamp: &c.timestamp})
		}
		for i := range c.removes {
			files = append(files, fileAction{kind: "remove", remove: &c.removes[i], version: &c.version, timestamp: &c.timestamp})
		}
	}
	return s.writePage(out, t, files, offset, maxFiles, start, b.paramsHash(format), now)
}

// writePage writes files[offset:] (at most maxFiles when paging) and the end
// of the stream.
func (s *Server) writePage(out *stream, t *Table, files []fileAction, offset, maxFiles int, version int64, params string, now int64) error {
	from, to := min(offset, len(files)), len(files)
	if maxFiles > 0 {
		to = min(from+maxFiles, len(files))
	}
	for _, f := range files[from:to] {
		out.file(f)
	}
	var end *endInfo
	if maxFiles > 0 {
		end = &endInfo{}
		if to < len(files) {
			end.nextPageToken = s.tokens.encode(queryToken{Table: t.key(), Version: version, Offset: to, Params: params, Expires: now + pageTokenTTLMillis})
		}
	}
	out.end(end)
	return out.err
}

// changes answers GET T/changes: the change data feed between two versions or
// timestamps.
func (s *Server) changes(q *request, t *Table) error {
	if !t.History {
		return badRequest("cdf is not enabled on table %s: history sharing is off", t.fullName())
	}
	vals := q.r.URL.Query()
	sv, st := vals.Get("startingVersion"), vals.Get("startingTimestamp")
	ev, et := vals.Get("endingVersion"), vals.Get("endingTimestamp")
	switch {
	case sv == "" && st == "":
		return badRequest("No startingVersion or startingTimestamp provided for CDF read")
	case sv != "" && st != "":
		return badRequest("Multiple starting arguments provided for CDF read")
	case ev != "" && et != "":
		return badRequest("Multiple ending arguments provided for CDF read")
	}
	latest, err := t.Delta.LatestVersion(q.ctx)
	if err != nil {
		return tableErr(t, err)
	}
	var start, end int64 = 0, latest
	if sv != "" {
		if start, err = parseVersion("startingVersion", sv); err != nil {
			return err
		}
	} else {
		ts, err := parseTimestamp("startingTimestamp", st)
		if err != nil {
			return err
		}
		if start, err = versionAtOrAfter(q, t, ts); err != nil {
			return err
		}
	}
	switch {
	case ev != "":
		if end, err = parseVersion("endingVersion", ev); err != nil {
			return err
		}
		end = min(end, latest)
	case et != "":
		ts, err := parseTimestamp("endingTimestamp", et)
		if err != nil {
			return err
		}
		snap, err := t.Delta.SnapshotAtTime(q.ctx, ts)
		if errors.Is(err, delta.ErrTimestampTooEarly) {
			return badRequest("The provided timestamp (%s) is before the earliest version available to this table.", et)
		}
		if err != nil {
			return tableErr(t, err)
		}
		end = snap.Version
	}
	if start > latest {
		return badRequest("Provided Start version(%d) for reading change data is invalid. Start version cannot be greater than the latest version of the table(%d).", start, latest)
	}
	if end < start {
		return badRequest("CDF range from start %d to end %d was invalid. End cannot be before start", start, end)
	}
	maxFiles := 0
	if mf := vals.Get("maxFiles"); mf != "" {
		n, err := strconv.ParseInt(mf, 10, 32)
		if err != nil {
			return badRequest("Not an int32 value: %s", mf)
		}
		if n <= 0 {
			return badRequest("maxFiles must be positive")
		}
		maxFiles = int(min(n, maxPageFiles))
	}
	snap, err := t.Delta.SnapshotAt(q.ctx, end)
	if err != nil {
		return tableErr(t, err)
	}
	commits, err := readRange(q, t, start, end)
	if err != nil {
		return err
	}
	// Change data must have been recorded for every commit that changed data.
	cdfOn := map[int64]bool{}
	startSnap, err := t.Delta.SnapshotAt(q.ctx, start)
	if err != nil {
		return tableErr(t, err)
	}
	on := startSnap.Metadata.Configuration[delta.ConfigEnableChangeDataFeed] == "true"
	for _, c := range commits {
		if c.metadata != nil {
			on = c.metadata.Configuration[delta.ConfigEnableChangeDataFeed] == "true"
		}
		cdfOn[c.version] = on
		if !on && (len(c.adds) > 0 || len(c.removes) > 0) && len(c.cdcs) == 0 && c.version > 0 {
			return badRequest("Error getting change data for range [%d, %d] as change data was not recorded for version [%d]", start, end, c.version)
		}
	}
	format := q.caps.format(snap.Protocol.MinReaderVersion)
	params := strings.Join([]string{sv, st, ev, et, vals.Get("includeHistoricalMetadata"), format}, "|")
	now := s.cfg.Now().UnixMilli()
	offset := 0
	if tok := vals.Get("pageToken"); tok != "" {
		p, err := s.decodePage(tok, t, now)
		if err != nil {
			return err
		}
		if p.Params != params {
			return badRequest("Query parameter mismatch detected for the next page query")
		}
		offset = p.Offset
	}
	out, err := s.startStream(q, t, snap, start)
	if err != nil {
		return err
	}
	out.protocolAndMetadata(snap, nil)
	historical := strings.EqualFold(vals.Get("includeHistoricalMetadata"), "true")
	var files []fileAction
	for _, c := range commits {
		if historical && c.metadata != nil {
			v := c.version
			out.metadata(*c.metadata, &v, nil, 0)
		}
		if strings.EqualFold(c.operation, "OPTIMIZE") {
			continue
		}
		if len(c.cdcs) > 0 {
			for i := range c.cdcs {
				files = append(files, fileAction{kind: "cdf", cdc: &c.cdcs[i], version: &c.version, timestamp: &c.timestamp})
			}
			continue
		}
		for i := range c.adds {
			files = append(files, fileAction{kind: "add", add: &c.adds[i], version: &c.version, timestamp: &c.timestamp})
		}
		for i := range c.removes {
			files = append(files, fileAction{kind: "remove", remove: &c.removes[i], version: &c.version, timestamp: &c.timestamp})
		}
	}
	return s.writePage(out, t, files, offset, maxFiles, start, params, now)
}

func parseVersion(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("Not a numeric value: %s (%s)", v, name)
	}
	if n < 0 {
		return 0, badRequest("%s cannot be negative", name)
	}
	return n, nil
}
