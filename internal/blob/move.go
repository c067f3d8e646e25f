package blob

import (
	"context"
	"fmt"
)

// Renamer is a Store that can move an object, or a whole folder of objects, to
// a new key in one atomic step (a local folder: rename(2)). Object stores
// without a rename (S3) do not implement it.
//
// Rename moves the object or folder at from to to. from must exist (else an
// error wrapping ErrNotExist) and nothing may exist at to (else an error
// wrapping ErrExist). Readers see everything under the old key or everything
// under the new one, never a mix.
type Renamer interface {
	Rename(ctx context.Context, from, to string) error
}

// Copier is a Store that copies an object to another key inside the store
// without the bytes passing through the caller (S3: CopyObject).
//
// Copy writes the content of the object at from to to, replacing any object
// there, as Put does: readers of to see the old object or the whole copy. A
// missing from gives an error wrapping ErrNotExist.
type Copier interface {
	Copy(ctx context.Context, from, to string) error
}

// Copy copies the object at from to to in s: with the store's own Copier when
// it has one, else by streaming the object through Open and Put.
func Copy(ctx context.Context, s Store, from, to string) error {
	if c, ok := s.(Copier); ok {
		return c.Copy(ctx, from, to)
	}
	obj, err := s.Open(ctx, from)
	if err != nil {
		return fmt.Errorf("blob: copy %q to %q: %w", from, to, err)
	}
	defer obj.Close()
	if err := s.Put(ctx, to, obj); err != nil {
		return fmt.Errorf("blob: copy %q to %q: %w", from, to, err)
	}
	return nil
}
