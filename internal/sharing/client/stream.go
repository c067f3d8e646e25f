package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"time"
)

// Line buffer of NDJSON answers: lines start in a 64 KiB buffer and may grow
// to maxLine (a metaData line with a very wide schema).
const (
	lineBuffer = 64 << 10
	maxLine    = 64 << 20
)

// Stream is a query or changes answer being read: its TableInfo is known
// when QueryStream or ChangesStream returns; Files delivers the files as they
// arrive, following maxFiles pages. A Stream must be iterated once, or
// closed.
type Stream struct {
	TableInfo
	// RefreshToken and MinURLExpiration are known once Files is done (the
	// endStreamAction comes last).
	RefreshToken     string
	MinURLExpiration time.Time

	c        *Client
	ctx      context.Context
	what     string
	fetch    func(ctx context.Context, pageToken string) (*http.Response, error)
	asked    string // the format asked for
	changes  bool   // data changes: delta-format adds are KindAdd
	body     io.ReadCloser
	sc       *bufio.Scanner
	page     int  // pages opened, from 1
	wantEnd  bool // the server echoed includeendstreamaction=true
	sawEnd   bool
	pageProt bool // this page's protocol line was read
	pageMeta bool // this page's metaData line was read
	nextTok  string
	history  []Metadata
	histSeen map[int64]bool
	used     bool
}

// capabilities is the delta-sharing-capabilities header for a format: delta
// declares timestamp without time zone, but neither deletion vectors nor
// column mapping, which this client cannot read. The end of stream action
// lets a cut connection be told from a complete answer.
func capabilities(format string) string {
	if format == FormatDelta {
		return "responseformat=delta;readerfeatures=timestampntz;includeendstreamaction=true"
	}
	return "responseformat=parquet;includeendstreamaction=true"
}

// checkFormat validates a requested format ("" is parquet).
func checkFormat(f string) (string, error) {
	switch strings.ToLower(f) {
	case "", FormatParquet:
		return FormatParquet, nil
	case FormatDelta:
		return FormatDelta, nil
	}
	return "", fmt.Errorf("delta sharing: response format %q is not %s or %s", f, FormatParquet, FormatDelta)
}

// openStream sends the first page and reads the answer's protocol and
// metaData lines.
func (c *Client) openStream(ctx context.Context, what, format string, changes bool,
	fetch func(ctx context.Context, pageToken string) (*http.Response, error)) (*Stream, error) {
	s := &Stream{c: c, ctx: ctx, what: what, fetch: fetch, asked: format, changes: changes, histSeen: map[int64]bool{}}
	if err := s.openPage(""); err != nil {
		s.Close()
		return nil, err
	}
	for !s.pageMeta {
		f, more, err := s.nextLine()
		if err == nil && (f != nil || !more) {
			err = s.fail("the answer has no metaData line before its files")
		}
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// openPage sends the request for one page and checks its headers.
func (s *Stream) openPage(token string) error {
	resp, err := s.fetch(s.ctx, token)
	if err != nil {
		return err
	}
	s.page++
	s.body, s.sawEnd, s.pageProt, s.pageMeta, s.nextTok = resp.Body, false, false, false, ""
	v, err := tableVersion(resp, s.what)
	if err != nil {
		return err
	}
	format, wantEnd := "", false
	for _, h := range resp.Header.Values("delta-sharing-capabilities") {
		for part := range strings.SplitSeq(h, ";") {
			k, val, _ := strings.Cut(part, "=")
			k, val = strings.ToLower(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(val))
			switch k {
			case "responseformat":
				format = val
			case "includeendstreamaction":
				wantEnd = val == "true"
			}
		}
	}
	if format != "" && format != FormatParquet && format != FormatDelta {
		return s.fail("the server answered in format %q", format)
	}
	if s.asked == FormatParquet && format == FormatDelta {
		return s.fail("asked for the parquet format and got delta")
	}
	if s.page == 1 {
		s.Version, s.Format = v, format
	}
	s.wantEnd = wantEnd
	s.sc = bufio.NewScanner(resp.Body)
	s.sc.Buffer(make([]byte, lineBuffer), maxLine)
	return nil
}

func (s *Stream) fail(format string, args ...any) error {
	return fmt.Errorf("delta sharing: %s: %s", s.what, fmt.Sprintf(format, args...))
}

// nextLine reads one line of the current page. It returns a file when the
// line was one, and more=false at the end of the page.
func (s *Stream) nextLine() (f *File, more bool, err error) {
	if !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			if canceled(s.ctx, err) {
				return nil, false, fmt.Errorf("delta sharing: %s: %w", s.what, context.Cause(s.ctx))
			}
			return nil, false, s.fail("reading the answer: %v", err)
		}
		if s.wantEnd && !s.sawEnd {
			return nil, false, s.fail("the answer ended before its endStreamAction: the connection was cut")
		}
		return nil, false, nil
	}
	raw := s.sc.Bytes()
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, true, nil
	}
	var l wireLine
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, false, s.fail("a line of the answer is not JSON: %v", err)
	}
	switch {
	case l.Protocol != nil:
		return nil, true, s.protocol(l.Protocol)
	case l.MetaData != nil:
		return nil, true, s.metadata(l.MetaData.metadata())
	case l.EndStreamAction != nil:
		return nil, true, s.end(l.EndStreamAction)
	case l.QueryStatus != nil:
		return nil, false, s.fail("the server answered asynchronously (queryStatus), which this client did not ask for")
	}
	kind, w := "", (*wireFile)(nil)
	for _, c := range []struct {
		k string
		w *wireFile
	}{{KindFile, l.File}, {KindAdd, l.Add}, {KindRemove, l.Remove}, {KindCDF, l.CDF}} {
		if c.w != nil {
			kind, w = c.k, c.w
		}
	}
	if w == nil {
		return nil, true, nil // a line of a later protocol version: skip it
	}
	if !s.pageMeta {
		return nil, false, s.fail("a %s line came before the metaData line", kind)
	}
	file, err := w.toFile(kind, s.changes)
	if err != nil {
		return nil, false, s.fail("%v", err)
	}
	return &file, true, nil
}

func (s *Stream) protocol(p *wireProtocol) error {
	var proto Protocol
	format := FormatParquet
	switch {
	case p.DeltaProtocol != nil:
		proto, format = *p.DeltaProtocol, FormatDelta
	case p.MinReaderVersion != nil:
		proto.MinReaderVersion = *p.MinReaderVersion
	default:
		return s.fail("the protocol line has neither minReaderVersion nor deltaProtocol")
	}
	if s.asked == FormatParquet && format == FormatDelta {
		return s.fail("asked for the parquet format and got delta")
	}
	if s.pageProt {
		return nil
	}
	s.pageProt = true
	if s.page == 1 {
		s.Protocol = proto
		if s.Format == "" {
			s.Format = format
		}
	}
	return nil
}

// metadata takes a metaData line: the first of each page is the answer's
// (repeated on every page: the first page's is kept); later ones are the
// historical metadata of data changes, kept once per version.
func (s *Stream) metadata(m Metadata) error {
	if !s.pageMeta {
		s.pageMeta = true
		if s.page == 1 {
			s.Metadata = m
		} else if m.ID != s.Metadata.ID {
			return s.fail("the table changed between pages (metadata id %s, then %s)", s.Metadata.ID, m.ID)
		}
		return nil
	}
	if !s.histSeen[m.Version] {
		s.histSeen[m.Version] = true
		s.history = append(s.history, m)
	}
	return nil
}

func (s *Stream) end(e *wireEnd) error {
	s.sawEnd = true
	if e.ErrorMessage != nil {
		msg := *e.ErrorMessage
		if msg == "" {
			msg = "(no message)"
		}
		return s.fail("the server failed while answering: %s", oneLine(msg, 500))
	}
	if e.RefreshToken != "" {
		s.RefreshToken = e.RefreshToken
	}
	if e.MinURLExpirationTimestamp != nil && *e.MinURLExpirationTimestamp > 0 {
		t := time.UnixMilli(*e.MinURLExpirationTimestamp).UTC()
		if s.MinURLExpiration.IsZero() || t.Before(s.MinURLExpiration) {
			s.MinURLExpiration = t
		}
	}
	s.nextTok = e.NextPageToken
	return nil
}

// next returns the next file, opening the next page when this one ends with
// a page token; ok is false at the end of the answer.
func (s *Stream) next() (File, bool, error) {
	for {
		f, more, err := s.nextLine()
		switch {
		case err != nil:
			return File{}, false, err
		case f != nil:
			return *f, true, nil
		case more:
			continue
		case s.nextTok == "":
			return File{}, false, nil
		}
		s.Close()
		if err := s.openPage(s.nextTok); err != nil {
			return File{}, false, err
		}
	}
}

// Files delivers the answer's files in the server's order, over all pages.
// An error ends the sequence. Files can be ranged over once; the stream is
// closed at its end.
func (s *Stream) Files() iter.Seq2[File, error] {
	return func(yield func(File, error) bool) {
		if s.used {
			yield(File{}, errors.New("delta sharing: the files of a stream can be read once"))
			return
		}
		s.used = true
		defer s.Close()
		for {
			f, ok, err := s.next()
			if err != nil {
				yield(File{}, err)
				return
			}
			if !ok || !yield(f, nil) {
				return
			}
		}
	}
}

// History returns the historical metadata read so far (see Result.History):
// metadata of version v comes before the files of version v.
func (s *Stream) History() []Metadata { return s.history }

// Close ends the stream, closing its connection.
func (s *Stream) Close() error {
	if s.body != nil {
		err := s.body.Close()
		s.body = nil
		return err
	}
	return nil
}

// collect reads a whole stream into a Result.
func collect(s *Stream, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	r := &Result{}
	for f, err := range s.Files() {
		if err != nil {
			return nil, err
		}
		r.Files = append(r.Files, f)
	}
	r.TableInfo, r.History, r.RefreshToken, r.MinURLExpiration = s.TableInfo, s.history, s.RefreshToken, s.MinURLExpiration
	return r, nil
}
