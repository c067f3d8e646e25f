package source

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"iter"
	"mime"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// fetched is a file as a location gave it.
type fetched struct {
	body        io.ReadCloser // nil when unchanged
	fp          fingerprint
	unchanged   bool
	name        string    // file name or URL path, for the format's extension
	contentType string    // as the server sent it, if any
	hash        hash.Hash // set when the fingerprint's sha256 is computed while reading
}

// rowReader reads the rows of one format.
type rowReader interface {
	columns() []string
	// next returns the next row, or io.EOF after the last one.
	next() (Row, error)
}

// fileSource is a file being read.
type fileSource struct {
	desc   string // the location, without secrets
	mask   *masker
	cancel context.CancelFunc
	f      *fetched
	reader rowReader // nil when unchanged
	fp     fingerprint
	once   rowsOnce
}

// openFile fetches the file (unless unchanged) and reads its header.
func openFile(ctx context.Context, r *resolved, opts Options) (_ Source, err error) {
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &fileSource{mask: r.mask, cancel: cancel}
	stop := context.AfterFunc(ctx, cancel)
	defer func() {
		stop()
		if err != nil {
			s.Close()
			if ctx.Err() != nil {
				err = newError(ctx.Err(), s.mask, ctx.Err(), "opening %s was interrupted", s.desc)
			}
		}
	}()

	location, scheme := r.Path, "file"
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		if err != nil {
			return nil, newError(ErrConfig, s.mask, unwrapURLError(err), "url %q cannot be parsed", StripURL(r.URL))
		}
		location, scheme = r.URL, strings.ToLower(u.Scheme)
		if scheme == "file" {
			location = u.Path
		}
	}
	switch scheme {
	case "http", "https":
		s.desc = "file " + r.mask.scrub(StripURL(location))
		s.f, err = fetchHTTP(base, r, s.desc, opts)
	case "s3":
		s.desc = "file " + r.mask.scrub(StripURL(location))
		s.f, err = fetchS3(base, r, s.desc, opts)
	default:
		s.desc = "file " + location
		s.f, err = fetchLocal(location, r.mask, opts)
	}
	if err != nil {
		return nil, err
	}
	s.fp = s.f.fp
	if s.f.unchanged {
		return s, nil
	}
	if s.f.hash == nil && s.f.fp.sha256 == "" {
		// The checksum of the content, for SameContent, as it is read.
		s.f.hash = sha256.New()
		s.f.body = readCloser{io.TeeReader(s.f.body, s.f.hash), s.f.body}
	}
	s.reader, err = newRowReader(r, s.f, s.desc)
	if err != nil {
		return nil, newError(errKind(err), s.mask, err, "%s", s.desc)
	}
	return s, nil
}

// errKind returns ErrMalformed for the errors of the readers, nil otherwise.
func errKind(err error) error {
	var fe *formatError
	if errors.As(err, &fe) {
		return ErrMalformed
	}
	return nil
}

// formatError is malformed content, at a line.
type formatError struct {
	line int64 // 0 when unknown
	msg  string
}

func (e *formatError) Error() string {
	if e.line > 0 {
		return "line " + strconv.FormatInt(e.line, 10) + ": " + e.msg
	}
	return e.msg
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// newRowReader skips a byte-order mark, settles the format and reads the
// header (CSV) or the first object (JSON).
func newRowReader(r *resolved, f *fetched, desc string) (rowReader, error) {
	br := bufio.NewReaderSize(f.body, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, utf8BOM) {
		br.Discard(3)
	}
	if mt, _, _ := mime.ParseMediaType(f.contentType); mt == "text/html" {
		return nil, &formatError{msg: "the server sent a web page (text/html), not a CSV or JSON file: check the url and the credentials (a login page?)"}
	}
	format := r.Format
	if format == "" {
		format = formatFromName(f.name)
	}
	if format == "" {
		format = formatFromContentType(f.contentType)
	}
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	if first == 0 {
		return nil, &formatError{msg: "the file is empty"}
	}
	if format == "" {
		format = FormatCSV
		if first == '[' || first == '{' {
			format = FormatJSON
		}
	}
	if format == FormatCSV {
		delim, _ := csvDelimiter(r.CSV.Delimiter) // validated
		return newCSVReader(br, delim)
	}
	return newJSONReader(br, first, r.JSON.Nested == "json")
}

// firstByte returns the first byte that is not white space, without
// consuming it; 0 for an empty file.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == io.EOF || err == bufio.ErrBufferFull {
				return 0, nil
			}
			return 0, err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			continue
		default:
			return c, nil
		}
	}
}

// formatFromContentType guesses the format from an HTTP Content-Type.
func formatFromContentType(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "text/csv", "application/csv", "text/tab-separated-values":
		return FormatCSV
	case "application/json", "text/json":
		return FormatJSON
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return FormatNDJSON
	}
	return ""
}

func (s *fileSource) Columns() []string {
	if s.reader == nil {
		return nil
	}
	return s.reader.columns()
}

func (s *fileSource) Unchanged() bool          { return s.f != nil && s.f.unchanged }
func (s *fileSource) Fingerprint() Fingerprint { return s.fp.encode() }
func (s *fileSource) String() string           { return s.desc }

// Rows streams the file's rows.
func (s *fileSource) Rows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		if err := s.once.take(); err != nil {
			yield(Row{}, err)
			return
		}
		if s.reader == nil {
			if s.f == nil || !s.f.unchanged {
				yield(Row{}, errors.New("source: the source is closed"))
			}
			return // unchanged: no rows
		}
		stop := context.AfterFunc(ctx, s.cancel)
		defer stop()
		for {
			row, err := s.reader.next()
			if err == io.EOF {
				s.finish()
				return
			}
			if err != nil {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(Row{}, newError(errKind(err), s.mask, err, "reading %s", s.desc))
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// finish completes the fingerprint once the whole file has been read.
func (s *fileSource) finish() {
	if s.f.hash == nil {
		return
	}
	// The readers stop at the end of the data; whatever is left (white space)
	// belongs to the checksum too.
	if _, err := io.Copy(io.Discard, s.f.body); err != nil {
		return
	}
	s.fp.sha256 = hex.EncodeToString(s.f.hash.Sum(nil))
}

// Close stops the download and releases the file.
func (s *fileSource) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	if s.f != nil && s.f.body != nil {
		s.f.body.Close()
		s.f.body = nil
	}
	s.reader = nil
	return nil
}

// fetchLocal opens a local file. With a previous fingerprint of the same size,
// the file is hashed first, and reported unchanged if its SHA-256 is the same;
// otherwise the hash is computed while the rows are read.
func fetchLocal(path string, mask *masker, opts Options) (*fetched, error) {
	desc := "file " + path
	file, err := os.Open(path)
	if err != nil {
		kind := error(nil)
		if errors.Is(err, os.ErrNotExist) {
			kind = ErrUnreachable
		} else if errors.Is(err, os.ErrPermission) {
			kind = ErrAccessDenied
		}
		return nil, newError(kind, mask, unwrapPathError(err), "cannot open %s", desc)
	}
	info, err := file.Stat()
	if err == nil && info.IsDir() {
		err = errors.New("it is a folder")
	}
	if err != nil {
		file.Close()
		return nil, newError(nil, mask, err, "cannot read %s", desc)
	}
	f := &fetched{name: path}
	f.fp = fingerprint{
		src:   locationID("file:" + path),
		size:  strconv.FormatInt(info.Size(), 10),
		mtime: info.ModTime().UTC().Format(time.RFC3339Nano),
	}
	prev := parseFingerprint(opts.Previous, f.fp.src)
	if prev.sha256 != "" && prev.size == f.fp.size {
		h := sha256.New()
		if _, err := io.Copy(h, file); err != nil {
			file.Close()
			return nil, newError(nil, mask, err, "cannot read %s", desc)
		}
		f.fp.sha256 = hex.EncodeToString(h.Sum(nil))
		if f.fp.sha256 == prev.sha256 {
			file.Close()
			f.unchanged = true
			return f, nil
		}
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			file.Close()
			return nil, newError(nil, mask, err, "cannot read %s", desc)
		}
		f.body = file
		return f, nil
	}
	f.hash = sha256.New()
	f.body = readCloser{io.TeeReader(file, f.hash), file}
	return f, nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// unwrapPathError drops os.PathError's repetition of the path.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
