package azure

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	azblobpkg "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/trestle-dev/trestle/internal/blob"
)

// maxSingleUpload is the service's limit for one Put Blob request (5000 MiB).
const maxSingleUpload = 5000 << 20

// spoolInMemory is how much of a stream of unknown length is held in memory
// before the rest goes to a temporary file.
const spoolInMemory = 4 << 20

// put stores r at key: in one request when its length is known or it turns
// out short enough, else as blocks (see the package documentation).
func (s *Store) put(ctx context.Context, op, key string, r io.Reader, ifAbsent bool) error {
	if err := blob.CheckKey(key); err != nil {
		return err
	}
	var cond *azblobpkg.AccessConditions
	if ifAbsent {
		cond = &azblobpkg.AccessConditions{ModifiedAccessConditions: &azblobpkg.ModifiedAccessConditions{IfNoneMatch: to(azcore.ETagAny)}}
	}
	bb := s.client.NewBlockBlobClient(s.path(key))
	single := func(body io.ReadSeeker) error {
		_, err := bb.Upload(ctx, streaming.NopCloser(body), &blockblob.UploadOptions{AccessConditions: cond})
		return s.mapErr(op, key, err)
	}
	if body, size, ok := sized(r); ok && size <= s.singleLimit {
		return single(body)
	}
	// Unknown length (or too long for one request): read the start into
	// memory, then into a temporary file, up to the single-request limit.
	var head bytes.Buffer
	n, err := io.CopyN(&head, r, min(spoolInMemory, s.singleLimit)+1)
	if err == io.EOF {
		return single(bytes.NewReader(head.Bytes()))
	}
	if err != nil {
		return fmt.Errorf("blob/azure: %s %q: read content: %w", op, key, err)
	}
	rest := r
	if n <= s.singleLimit {
		f, err := os.CreateTemp("", "trestle-azure-upload-")
		if err != nil {
			return fmt.Errorf("blob/azure: %s %q: spool content: %w", op, key, err)
		}
		defer func() { f.Close(); os.Remove(f.Name()) }()
		spooled, err := io.Copy(f, &head)
		if err == nil {
			var more int64
			more, err = io.CopyN(f, r, s.singleLimit-spooled+1)
			spooled += more
		}
		switch {
		case err == io.EOF:
			return single(io.NewSectionReader(f, 0, spooled))
		case err != nil:
			return fmt.Errorf("blob/azure: %s %q: spool content: %w", op, key, err)
		}
		rest = io.MultiReader(io.NewSectionReader(f, 0, spooled), r)
	} else {
		rest = io.MultiReader(&head, r)
	}
	_, err = bb.UploadStream(ctx, rest, &blockblob.UploadStreamOptions{
		BlockSize: s.blockSize, Concurrency: s.concurrency, AccessConditions: cond,
	})
	if ifAbsent && bloberror.HasCode(err, bloberror.InvalidBlockList) {
		// Another writer committed the blob first, which discards the blocks
		// this one staged: it lost the race.
		if _, serr := s.Stat(context.WithoutCancel(ctx), key); serr == nil {
			return fmt.Errorf("blob/azure: %s %q: %w", op, key, blob.ErrExist)
		}
	}
	return s.mapErr(op, key, err)
}

// sized returns r as a reader of exactly its remaining bytes that can seek
// back to its start (for retries), and that length, when r can tell it: an
// io.ReadSeeker, or an io.LimitedReader over one (a spooled file handed on
// with its length).
func sized(r io.Reader) (io.ReadSeeker, int64, bool) {
	limit := int64(-1)
	if lr, ok := r.(*io.LimitedReader); ok {
		limit, r = max(lr.N, 0), lr.R
	}
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return nil, 0, false
	}
	cur, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, false
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, false
	}
	if _, err := rs.Seek(cur, io.SeekStart); err != nil {
		return nil, 0, false
	}
	size := end - cur
	if limit >= 0 {
		size = min(size, limit)
	}
	if ra, ok := rs.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, cur, size), size, true
	}
	return io.NewSectionReader(seekReaderAt{rs}, cur, size), size, true
}

// seekReaderAt adapts a ReadSeeker to ReaderAt for io.SectionReader. The SDK
// reads a request body from one goroutine at a time, so seeking before each
// read is safe.
type seekReaderAt struct{ rs io.ReadSeeker }

// ReadAt seeks to off and reads len(p) bytes.
func (r seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(r.rs, p)
}
