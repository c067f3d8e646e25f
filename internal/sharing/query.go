package sharing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/trestle-dev/trestle/internal/delta"
	"github.com/trestle-dev/trestle/internal/sharing/predicate"
)

// queryBody is the body of POST T/query. Fields are pointers where "absent"
// and "zero" differ.
type queryBody struct {
	PredicateHints            []string    `json:"predicateHints,omitempty"`
	JSONPredicateHints        string      `json:"jsonPredicateHints,omitempty"`
	LimitHint                 *int64      `json:"limitHint,omitempty"`
	Version                   *int64      `json:"version,omitempty"`
	Timestamp                 *string     `json:"timestamp,omitempty"`
	StartingVersion           *int64      `json:"startingVersion,omitempty"`
	EndingVersion             *int64      `json:"endingVersion,omitempty"`
	MaxFiles                  json.Number `json:"maxFiles,omitempty"`
	PageToken                 string      `json:"pageToken,omitempty"`
	IncludeRefreshToken       bool        `json:"includeRefreshToken,omitempty"`
	RefreshToken              string      `json:"refreshToken,omitempty"`
	IncludeHistoricalProtocol bool        `json:"includeHistoricalProtocol,omitempty"`
	IdempotencyKey            string      `json:"idempotencyKey,omitempty"`
	IdempotencyKeySnake       string      `json:"idempotency_key,omitempty"`
}

// maxPageFiles caps maxFiles (the reference server's queryTablePageSizeLimit).
const maxPageFiles = 10_000

func readQueryBody(r io.Reader) (queryBody, error) {
	var b queryBody
	raw, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return b, malformed("could not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, malformed("No content to map due to end-of-input: send {} for a query without parameters")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			want := te.Type.String()
			if strings.HasPrefix(want, "[]") {
				want = "an array"
			}
			return b, malformed("Expected %s for field %s, got a JSON %s", want, te.Field, te.Value)
		}
		return b, malformed("the request body is not valid JSON: %v", err)
	}
	return b, nil
}

// maxFiles reads the maxFiles field (0: not paged).
func (b queryBody) maxFiles() (int, error) {
	if b.MaxFiles == "" {
		return 0, nil
	}
	n, err := b.MaxFiles.Int64()
	switch {
	case err != nil:
		if _, ferr := b.MaxFiles.Float64(); ferr == nil {
			return 0, badRequest("Not an int32 value: %s", b.MaxFiles)
		}
		return 0, badRequest("Not a numeric value: %s", b.MaxFiles)
	case n > math.MaxInt32 || n < math.MinInt32:
		return 0, badRequest("Not an int32 value: %s", b.MaxFiles)
	case n <= 0:
		return 0, badRequest("maxFiles must be positive")
	}
	return int(min(n, maxPageFiles)), nil
}

// paramsHash identifies a query's parameters, so a page token is only used
// with the query it came from.
func (b queryBody) paramsHash(format string) string {
	b.PageToken, b.RefreshToken, b.IncludeRefreshToken = "", "", false
	body, _ := json.Marshal(b)
	h := sha256.Sum256(append(body, format...))
	return hex.EncodeToString(h[:8])
}

func (s *Server) query(q *request, t *Table) error {
	b, err := readQueryBody(q.r.Body)
	if err != nil {
		return err
	}
	n := 0
	for _, set := range []bool{b.Version != nil, b.Timestamp != nil, b.StartingVersion != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return badRequest("Please only provide one of: version,timestamp,startingVersion")
	case b.Version != nil && *b.Version < 0:
		return badRequest("table version cannot be negative")
	case b.StartingVersion != nil && *b.StartingVersion < 0:
		return badRequest("startingVersion cannot be negative")
	case b.StartingVersion != nil && b.EndingVersion != nil && *b.StartingVersion > *b.EndingVersion:
		return badRequest("startingVersion(%d) must be smaller than or equal to endingVersion(%d)", *b.StartingVersion, *b.EndingVersion)
	case (b.IncludeRefreshToken || b.RefreshToken != "") && n > 0:
		return badRequest("includeRefreshToken cannot be used when querying a specific version")
	case (b.IncludeRefreshToken || b.RefreshToken != "") && b.PageToken != "":
		return badRequest("includeRefreshToken must be used in the first page request")
	}
	maxFiles, err := b.maxFiles()
	if err != nil {
		return err
	}
	if b.StartingVersion != nil {
		return s.queryChanges(q, t, b, maxFiles)
	}
	return s.querySnapshot(q, t, b, maxFiles)
}

func (s *Server) querySnapshot(q *request, t *Table, b queryBody, maxFiles int) error {
	now := s.cfg.Now().UnixMilli()
	travel := b.Version != nil || b.Timestamp != nil
	var snap *delta.Snapshot
	var err error
	var page queryToken
	switch {
	case b.PageToken != "":
		if page, err = s.decodePage(b.PageToken, t, now); err != nil {
			return err
		}
		if snap, err = t.Delta.SnapshotAt(q.ctx, page.Version); err != nil {
			return tableErr(t, err)
		}
	case b.RefreshToken != "":
		var rt refreshToken
		switch {
		case s.tokens.decode(b.RefreshToken, &rt) != nil:
			return badRequest("Error decoding refresh token")
		case rt.Table != t.key():
			return badRequest("The table specified in the refresh token does not match the table being queried")
		case rt.Expires < now:
			return badRequest("The refresh token has expired")
		}
		if snap, err = t.Delta.SnapshotAt(q.ctx, rt.Version); err != nil {
			return tableErr(t, err)
		}
	default:
		version, timestamp := "", ""
		if b.Version != nil {
			version = jsonInt(*b.Version)
		}
		if b.Timestamp != nil {
			timestamp = *b.Timestamp
		}
		if snap, err = s.snapshot(q, t, version, timestamp, travel); err != nil {
			return err
		}
	}
	files, err := selectFiles(snap, b)
	if err != nil {
		return err
	}
	format := q.caps.format(snap.Protocol.MinReaderVersion)
	if b.PageToken != "" && page.Params != b.paramsHash(format) {
		return badRequest("Query parameter mismatch detected for the next page query")
	}
	from, to := page.Offset, len(files)
	if from > len(files) {
		from = len(files)
	}
	if maxFiles > 0 {
		to = min(from+maxFiles, len(files))
	}
	out, err := s.startStream(q, t, snap, snap.Version)
	if err != nil {
		return err
	}
	var tv *int64
	if travel {
		tv = &snap.Version
	}
	out.protocolAndMetadata(snap, tv)
	var ts *int64
	if travel {
		ms := snap.Timestamp.UnixMilli()
		ts = &ms
	}
	for i := from; i < to; i++ {
		out.file(fileAction{kind: "file", add: &files[i], version: tv, timestamp: ts})
	}
	var end *endInfo
	if maxFiles > 0 || b.IncludeRefreshToken || b.RefreshToken != "" {
		end = &endInfo{}
		if to < len(files) {
			end.nextPageToken = s.tokens.encode(queryToken{Table: t.key(), Version: snap.Version, Offset: to,
				Params: b.paramsHash(format), Expires: now + pageTokenTTLMillis})
		}
		// The refresh token comes with the page that asked for it (the first;
		// the refresh parameters are not allowed on later pages).
		if b.IncludeRefreshToken || b.RefreshToken != "" {
			end.refreshToken = s.tokens.encode(refreshToken{Table: t.key(), Version: snap.Version, Expires: now + refreshTokenTTLMillis})
		}
	}
	out.end(end)
	return out.err
}

func (s *Server) decodePage(tok string, t *Table, now int64) (queryToken, error) {
	var p queryToken
	switch {
	case s.tokens.decode(tok, &p) != nil || p.Offset < 0:
		return p, badRequest("Error decoding the page token")
	case p.Table != t.key():
		return p, badRequest("The table specified in the page token does not match the table being queried")
	case p.Expires < now:
		return p, badRequest("The page token has expired")
	}
	return p, nil
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// selectFiles returns the snapshot's files in path order, pruned by the
// predicate hints (best effort: a hint that cannot be used prunes nothing) and
// cut by limitHint when the files' statistics count their rows.
func selectFiles(snap *delta.Snapshot, b queryBody) ([]delta.Add, error) {
	files := snap.Files()
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var exprs []*predicate.Expr
	if b.JSONPredicateHints != "" {
		if e, err := predicate.Parse(b.JSONPredicateHints); err == nil {
			exprs = append(exprs, e)
		}
	}
	if e := predicate.ParseSQL(b.PredicateHints); e != nil {
		exprs = append(exprs, e)
	}
	if len(exprs) > 0 {
		sch, err := snap.Schema()
		if err != nil {
			return nil, err
		}
		kept := files[:0]
		for _, a := range files {
			st, _ := delta.ParseStats(a.Stats)
			f := predicate.File{PartitionValues: a.PartitionValues, Stats: st}
			keep := true
			for _, e := range exprs {
				if !e.MayMatch(sch, snap.Metadata.PartitionColumns, f) {
					keep = false
					break
				}
			}
			if keep {
				kept = append(kept, a)
			}
		}
		files = kept
	}
	if b.LimitHint != nil && *b.LimitHint >= 0 {
		var rows int64
		for i, a := range files {
			if rows >= *b.LimitHint {
				files = files[:i]
				break
			}
			st, err := delta.ParseStats(a.Stats)
			if err != nil || st == nil {
				break // rows unknown: keep the rest
			}
			rows += st.NumRecords
		}
	}
	return files, nil
}
