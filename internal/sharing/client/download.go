package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ErrURLExpired is (wrapped in) the error of a download whose pre-signed URL
// has expired: before the request when File.ExpirationTimestamp has passed,
// or when the store answers 403 (or 400 saying so). Get fresh URLs (Refresh,
// or a Refresher) and download again.
var ErrURLExpired = errors.New("the file URL has expired")

// Download opens a file's data through its pre-signed URL (sent without the
// profile's credentials). Requests are retried as protocol requests are; a
// connection cut while reading resumes where it stopped with a Range request.
// The caller closes the reader.
func (c *Client) Download(ctx context.Context, f File) (io.ReadCloser, error) {
	return c.download(ctx, f, 0, nil)
}

// download opens f; renew, when not nil, gives a fresh URL for f when its URL
// expires while resuming.
func (c *Client) download(ctx context.Context, f File, off int64, renew func(ctx context.Context) (File, error)) (io.ReadCloser, error) {
	if off < 0 || f.Size > 0 && off > f.Size {
		return nil, fmt.Errorf("delta sharing: download file %s from byte %d: out of range (%d bytes)", f.ID, off, f.Size)
	}
	d := &download{c: c, ctx: ctx, f: f, renew: renew, off: off}
	body, err := d.open(off)
	if err != nil {
		return nil, err
	}
	d.body = body
	return d, nil
}

// download is a file being read; it resumes after a broken connection.
type download struct {
	c       *Client
	ctx     context.Context
	f       File
	renew   func(ctx context.Context) (File, error)
	body    io.ReadCloser
	off     int64
	resumes int
	done    bool
}

func (d *download) what() string { return "download file " + d.f.ID }

// open requests the file from offset off.
func (d *download) open(off int64) (io.ReadCloser, error) {
	if d.f.Expired(d.c.now()) {
		return nil, fmt.Errorf("delta sharing: %s: %w (at %s)", d.what(), ErrURLExpired, d.f.ExpirationTimestamp.Format("2006-01-02 15:04:05 UTC"))
	}
	resp, err := d.c.send(d.ctx, d.what(), func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, d.f.URL, nil)
		if err != nil {
			return nil, err
		}
		if off > 0 {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
		}
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if off > 0 {
			// The store ignored the range: skip what was read already.
			if _, err := io.CopyN(io.Discard, resp.Body, off); err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("delta sharing: %s: resume at byte %d: %w", d.what(), off, err)
			}
		}
		return resp.Body, nil
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, "bytes "+strconv.FormatInt(off, 10)+"-") {
			resp.Body.Close()
			return nil, fmt.Errorf("delta sharing: %s: resume at byte %d got range %q", d.what(), off, cr)
		}
		return resp.Body, nil
	}
	e := readError(resp)
	if e.Status == http.StatusForbidden || (e.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Message), "expired")) {
		return nil, fmt.Errorf("delta sharing: %s: %w (%d %s)", d.what(), ErrURLExpired, e.Status, e.Message)
	}
	return nil, fmt.Errorf("%s: %w", d.what(), e)
}

// Read reads the file, resuming after a broken connection (at most the retry
// policy's attempts, each one with backoff).
func (d *download) Read(p []byte) (int, error) {
	for {
		if d.done {
			return 0, io.EOF
		}
		if d.body == nil {
			return 0, errors.New("delta sharing: read of a closed download")
		}
		n, err := d.body.Read(p)
		d.off += int64(n)
		if err == io.EOF {
			if d.f.Size > 0 && d.off < d.f.Size {
				err = io.ErrUnexpectedEOF
			} else {
				d.done = true
				if d.f.Size > 0 && d.off != d.f.Size {
					return n, fmt.Errorf("delta sharing: %s: got %d bytes, the file has %d", d.what(), d.off, d.f.Size)
				}
				return n, io.EOF
			}
		}
		if err == nil || n > 0 {
			return n, nil // an error comes back on the next Read
		}
		if canceled(d.ctx, err) {
			return 0, fmt.Errorf("delta sharing: %s: %w", d.what(), context.Cause(d.ctx))
		}
		if err := d.resume(err); err != nil {
			return 0, err
		}
	}
}

// resume reopens the file at the current offset after err.
func (d *download) resume(cause error) error {
	d.body.Close()
	d.body = nil
	d.resumes++
	if d.resumes >= d.c.retry.MaxAttempts {
		return fmt.Errorf("delta sharing: %s: reading at byte %d: %w (gave up after %d attempts)", d.what(), d.off, cause, d.resumes)
	}
	wait := d.c.retry.wait(d.resumes, nil, d.c.now())
	d.c.log.Warn("delta sharing: download broken, resuming", "file", d.f.ID, "offset", d.off, "err", cause, "wait", wait)
	if err := sleep(d.ctx, wait); err != nil {
		return fmt.Errorf("delta sharing: %s: %w", d.what(), err)
	}
	body, err := d.open(d.off)
	if errors.Is(err, ErrURLExpired) && d.renew != nil {
		var f File
		if f, err = d.renew(d.ctx); err == nil {
			d.f = f
			body, err = d.open(d.off)
		}
	}
	if err != nil {
		return err
	}
	d.body = body
	return nil
}

// Close closes the download.
func (d *download) Close() error {
	if d.body == nil {
		return nil
	}
	err := d.body.Close()
	d.body = nil
	return err
}
