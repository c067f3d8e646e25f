package blob

import (
	"context"
	"fmt"
	"io"
)

// RangeGetter fetches count bytes of an object at off (count 0: to its end),
// as one ranged request of an object store.
type RangeGetter func(ctx context.Context, off, count int64) (io.ReadCloser, error)

// NewRangedObject is an Object over ranged requests, for stores reached over
// HTTP (S3, Azure): Read streams the object from the start with one request
// opened on the first Read; ReadAt makes one ranged request per call. name
// ("blob/s3", "blob/azure") and key start its errors; a body that ends before
// size bytes is an io.ErrUnexpectedEOF.
func NewRangedObject(ctx context.Context, name, key string, size int64, get RangeGetter) Object {
	return &rangedObject{ctx: ctx, name: name, key: key, size: size, get: get}
}

type rangedObject struct {
	ctx       context.Context
	name, key string
	size      int64
	get       RangeGetter

	body io.ReadCloser // sequential reading, opened on the first Read
	pos  int64
}

// Size is the object's length in bytes.
func (o *rangedObject) Size() int64 { return o.size }

// Read reads the object from the start, with one request.
func (o *rangedObject) Read(p []byte) (int, error) {
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
		err = fmt.Errorf("%s: read %q: %w after %d of %d bytes", o.name, o.key, io.ErrUnexpectedEOF, o.pos, o.size)
	}
	return n, err
}

// ReadAt reads len(p) bytes at off with one ranged request.
func (o *rangedObject) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: read %q: negative offset %d", o.name, o.key, off)
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
		return n, fmt.Errorf("%s: read %q at %d: %w", o.name, o.key, off, err)
	}
	if want < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Close ends a sequential read in progress.
func (o *rangedObject) Close() error {
	if o.body != nil {
		err := o.body.Close()
		o.body = nil
		return err
	}
	return nil
}
