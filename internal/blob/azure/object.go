package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azblobpkg "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
)

// object reads a blob with GETs conditional on its ETag.
type object struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
	etag azcore.ETag

	body io.ReadCloser // sequential reading, opened on the first Read
	pos  int64
}

// Size is the object's length in bytes.
func (o *object) Size() int64 { return o.size }

// get fetches count bytes at off (count 0: to the end of the object).
func (o *object) get(ctx context.Context, off, count int64) (io.ReadCloser, error) {
	opts := &azblobpkg.DownloadStreamOptions{Range: azblobpkg.HTTPRange{Offset: off, Count: count}}
	if o.etag != "" {
		opts.AccessConditions = &azblobpkg.AccessConditions{
			ModifiedAccessConditions: &azblobpkg.ModifiedAccessConditions{IfMatch: &o.etag},
		}
	}
	resp, err := o.s.blobClient(o.key).DownloadStream(ctx, opts)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusPreconditionFailed {
			return nil, fmt.Errorf("blob/azure: read %q: the object was replaced while open", o.key)
		}
		return nil, o.s.mapErr("read", o.key, err)
	}
	return resp.Body, nil
}

// Read reads the object from the start, with one GET.
func (o *object) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	if o.body == nil {
		body, err := o.get(o.ctx, o.pos, 0)
		if err != nil {
			return 0, err
		}
		o.body = body
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	if err == io.EOF && o.pos < o.size {
		err = fmt.Errorf("blob/azure: read %q: %w after %d of %d bytes", o.key, io.ErrUnexpectedEOF, o.pos, o.size)
	}
	return n, err
}

// ReadAt reads len(p) bytes at off with one ranged GET.
func (o *object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob/azure: read %q: negative offset %d", o.key, off)
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.size-off)
	if want == 0 {
		return 0, nil
	}
	body, err := o.get(o.ctx, off, want)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.ReadFull(body, p[:want])
	if err != nil {
		return n, fmt.Errorf("blob/azure: read %q at %d: %w", o.key, off, err)
	}
	if want < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Close ends a sequential read in progress.
func (o *object) Close() error {
	if o.body != nil {
		err := o.body.Close()
		o.body = nil
		return err
	}
	return nil
}
