// Package blob is the object store Trestle keeps files in: Delta tables, uploads,
// exports. Store is a small interface with the guarantees the Delta log needs
// (atomic put-if-absent, ordered listing); implementations live beside it: a local
// folder and S3-compatible object storage.
package blob

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// Errors a Store returns; test with errors.Is.
var (
	// ErrNotExist: no object has that key.
	ErrNotExist = errors.New("blob: object does not exist")
	// ErrExist: PutIfAbsent found the key already taken.
	ErrExist = errors.New("blob: object already exists")
)

// Info describes one object.
type Info struct {
	Key     string // slash-separated, relative to the store's root
	Size    int64
	ModTime time.Time
}

// Store holds objects under slash-separated keys ("people/_delta_log/00000000000000000000.json").
type Store interface {
	// Open returns the object's content. The reader also supports ReadAt (Parquet
	// needs random access); Size is its length.
	Open(ctx context.Context, key string) (Object, error)
	// Stat describes an object, or returns ErrNotExist.
	Stat(ctx context.Context, key string) (Info, error)
	// Put writes an object, replacing any object with the same key. Readers see the
	// old object or the whole new one, never a part.
	Put(ctx context.Context, key string, r io.Reader) error
	// PutIfAbsent writes an object only if no object has the key; otherwise it
	// writes nothing and returns ErrExist. Of two concurrent calls with one key,
	// exactly one succeeds.
	PutIfAbsent(ctx context.Context, key string, r io.Reader) error
	// List yields the objects whose keys start with prefix and sort after
	// startAfter ("" for all), in lexicographic key order.
	List(ctx context.Context, prefix, startAfter string) iter.Seq2[Info, error]
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}

// Object is an open object: readable from the start or at any offset.
type Object interface {
	io.ReadCloser
	io.ReaderAt
	Size() int64
}
