package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// memLimit is the size up to which a downloaded file is kept in memory;
// larger files go to a temporary file, or straight to the destination.
const memLimit = 16 << 20

// fetched is one downloaded data file, readable at any offset.
type fetched struct {
	file client.File
	r    io.ReaderAt
	size int64
	tmp  *os.File // set when the data is on disk
	// taken is set when the downloader's direct hook took the file (it
	// was streamed to the destination): there is no data to read.
	taken bool
}

// reader returns the file's content from the start.
func (f *fetched) reader() io.Reader { return io.NewSectionReader(f.r, 0, f.size) }

// release frees the buffer or removes the temporary file.
func (f *fetched) release() {
	if f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
		f.tmp = nil
	}
	f.r = nil
}

// downloader fetches data files in parallel and hands them over in order.
type downloader struct {
	refresher *client.Refresher
	workers   int
	tmpDir    string
	memLimit  int64 // files up to this size are kept in memory
	// onBytes is told of the bytes downloaded, as they arrive.
	onBytes func(n int64)
	// direct, when set, may take file i itself instead of having it
	// downloaded (streaming it straight to the destination, in the
	// download's goroutine); it reports whether it did.
	direct func(ctx context.Context, i int, f client.File) (bool, error)
}

// fetchAll downloads files with d.workers downloads at a time, at most
// d.workers files ahead of the consumer, and calls use for each file in
// order. use owns the fetched file and must release it. The first error
// stops everything.
func (d *downloader) fetchAll(ctx context.Context, files []client.File, use func(*fetched) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers := max(1, d.workers)
	type slot struct {
		f   *fetched
		err error
	}
	slots := make([]chan slot, len(files))
	for i := range slots {
		slots[i] = make(chan slot, 1)
	}
	sem := make(chan struct{}, workers) // downloads running or waiting for the consumer
	var wg sync.WaitGroup
	wg.Go(func() {
		for i, f := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				if d.direct != nil {
					if took, err := d.direct(ctx, i, f); took || err != nil {
						slots[i] <- slot{&fetched{file: f, taken: true}, err}
						return
					}
				}
				got, err := d.fetch(ctx, f)
				slots[i] <- slot{got, err}
			})
		}
	})
	var err error
	for i := range files {
		var s slot
		select {
		case s = <-slots[i]:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
		if err != nil {
			break
		}
		<-sem
		if s.err != nil {
			err = s.err
			break
		}
		if err = use(s.f); err != nil {
			break
		}
	}
	cancel(errStopped)
	wg.Wait()
	// Release what was downloaded but not used.
	for _, ch := range slots {
		select {
		case s := <-ch:
			if s.f != nil {
				s.f.release()
			}
		default:
		}
	}
	return err
}

var errStopped = errors.New("download stopped")

// fetch downloads one file into memory or a temporary file.
func (d *downloader) fetch(ctx context.Context, f client.File) (*fetched, error) {
	body, err := d.refresher.Download(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("download data file %s: %w", f.ID, err)
	}
	defer body.Close()
	src := d.counted(body)
	if f.Size >= 0 && f.Size <= d.memLimit {
		buf := bytes.NewBuffer(make([]byte, 0, f.Size))
		if _, err := io.Copy(buf, src); err != nil {
			return nil, fmt.Errorf("download data file %s: %w", f.ID, err)
		}
		if f.Size > 0 && int64(buf.Len()) != f.Size {
			return nil, fmt.Errorf("download data file %s: got %d bytes, the server announced %d", f.ID, buf.Len(), f.Size)
		}
		return &fetched{file: f, r: bytes.NewReader(buf.Bytes()), size: int64(buf.Len())}, nil
	}
	tmp, err := os.CreateTemp(d.tmpDir, "trestle-download-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("download data file %s: %w", f.ID, err)
	}
	n, err := io.Copy(tmp, src)
	if err == nil && f.Size > 0 && n != f.Size {
		err = fmt.Errorf("got %d bytes, the server announced %d", n, f.Size)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("download data file %s: %w", f.ID, err)
	}
	return &fetched{file: f, r: tmp, size: n, tmp: tmp}, nil
}

// counted reports the bytes read from r to onBytes.
func (d *downloader) counted(r io.Reader) io.Reader {
	if d.onBytes == nil {
		return r
	}
	return &countingReader{r: r, add: d.onBytes}
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}
