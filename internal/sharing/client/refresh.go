package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Refresher keeps the files of one query or changes answer downloadable for
// as long as a sync takes: when a file's URL has expired (ErrURLExpired), it
// gets fresh URLs for the whole set once — with the answer's refresh token
// when there is one, otherwise by asking for the same snapshot (version) or
// the same changes again — and every later download uses them. Files are
// matched by id (and, for data changes, kind and version). It is safe for
// concurrent use: downloads that find their URLs expired at the same time
// cause one refresh.
type Refresher struct {
	c      *Client
	table  Table
	reload func(ctx context.Context, r *Refresher) (*Stream, error)

	mu      sync.Mutex
	gen     int             // refreshes done
	fresh   map[string]File // by File.key, after the first refresh
	token   string          // the latest refresh token ("" when none)
	opts    QueryOptions
	version int64
}

// NewRefresher returns a Refresher for the files of a query on table made
// with opts, whose answer had the given table version (TableInfo.Version)
// and refresh token (Result.RefreshToken or Stream.RefreshToken, "" when
// none).
func (c *Client) NewRefresher(table Table, opts QueryOptions, version int64, refreshToken string) *Refresher {
	r := &Refresher{c: c, table: table, opts: opts, version: version, token: refreshToken}
	r.reload = func(ctx context.Context, r *Refresher) (*Stream, error) {
		o := r.opts
		o.IncludeRefreshToken = false
		if r.token != "" {
			s, err := c.RefreshStream(ctx, r.table, r.token, o)
			var e *Error
			if err == nil || !errors.As(err, &e) || e.Status != 400 {
				return s, err
			}
			// The refresh token expired or was refused: ask for the version.
			c.log.Info("delta sharing: refresh token refused, asking for the version", "table", r.table.String(), "err", err)
			r.token = ""
		}
		if o.Version != nil || o.Timestamp != "" || o.StartingVersion != nil || r.version < 0 {
			return c.QueryStream(ctx, r.table, o)
		}
		pinned := o
		pinned.Version = &r.version
		s, err := c.QueryStream(ctx, r.table, pinned)
		var e *Error
		if err == nil || !errors.As(err, &e) || e.Status != 400 {
			return s, err
		}
		// No time travel on this table (history not shared): the latest
		// snapshot, whose files are the same unless the table changed.
		c.log.Info("delta sharing: cannot ask for the version, asking for the latest", "table", r.table.String(), "err", err)
		return c.QueryStream(ctx, r.table, o)
	}
	return r
}

// NewChangesRefresher returns a Refresher for the files of a changes request
// on table made with opts: refreshing asks for the same changes again.
func (c *Client) NewChangesRefresher(table Table, opts ChangesOptions) *Refresher {
	return &Refresher{c: c, table: table, reload: func(ctx context.Context, r *Refresher) (*Stream, error) {
		return c.ChangesStream(ctx, r.table, opts)
	}}
}

// SetRefreshToken gives the Refresher the answer's refresh token once it is
// known (a Stream has it at its end).
func (r *Refresher) SetRefreshToken(token string) {
	r.mu.Lock()
	r.token = token
	r.mu.Unlock()
}

// Current returns f with the newest URL known for it (f itself before the
// first refresh).
func (r *Refresher) Current(f File) File {
	f, _ = r.current(f)
	return f
}

func (r *Refresher) current(f File) (File, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if nf, ok := r.fresh[f.key()]; ok {
		return nf, r.gen
	}
	return f, r.gen
}

// Refresh gets fresh URLs for the whole set now.
func (r *Refresher) Refresh(ctx context.Context) error {
	r.mu.Lock()
	gen := r.gen
	r.mu.Unlock()
	return r.refreshAfter(ctx, gen)
}

// refreshAfter refreshes unless a refresh newer than generation gen happened
// meanwhile.
func (r *Refresher) refreshAfter(ctx context.Context, gen int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen > gen {
		return nil
	}
	s, err := r.reload(ctx, r)
	if err != nil {
		return fmt.Errorf("refresh the file URLs of %s: %w", r.table, err)
	}
	fresh := map[string]File{}
	for f, err := range s.Files() {
		if err != nil {
			return fmt.Errorf("refresh the file URLs of %s: %w", r.table, err)
		}
		fresh[f.key()] = f
	}
	if s.RefreshToken != "" {
		r.token = s.RefreshToken
	}
	r.fresh = fresh
	r.gen++
	r.c.log.Info("delta sharing: refreshed file URLs", "table", r.table.String(), "files", len(fresh))
	return nil
}

// renewed returns f's URL from a refresh newer than generation gen,
// refreshing if need be, and the generation it comes from.
func (r *Refresher) renewed(ctx context.Context, f File, gen int) (File, int, error) {
	if err := r.refreshAfter(ctx, gen); err != nil {
		return f, gen, err
	}
	r.mu.Lock()
	nf, ok := r.fresh[f.key()]
	gen = r.gen
	r.mu.Unlock()
	if !ok {
		return f, gen, fmt.Errorf("delta sharing: refresh the file URLs of %s: file %s is not in the refreshed answer", r.table, f.ID)
	}
	return nf, gen, nil
}

// Download opens f like Client.Download, through the newest URL known for
// it; when that URL has expired, it refreshes the set (once for all
// concurrent downloads) and tries again.
func (r *Refresher) Download(ctx context.Context, f File) (io.ReadCloser, error) {
	return r.DownloadFrom(ctx, f, 0)
}

// DownloadFrom is Download from byte off of the file (a Range request), for
// reading a part of it, such as a Parquet footer.
func (r *Refresher) DownloadFrom(ctx context.Context, f File, off int64) (io.ReadCloser, error) {
	cur, gen := r.current(f)
	var mu sync.Mutex // renew runs inside the download's Read
	renew := func(ctx context.Context) (File, error) {
		mu.Lock()
		defer mu.Unlock()
		nf, g, err := r.renewed(ctx, f, gen)
		gen = g
		return nf, err
	}
	rc, err := r.c.download(ctx, cur, off, renew)
	if !errors.Is(err, ErrURLExpired) {
		return rc, err
	}
	if cur, err = renew(ctx); err != nil {
		return nil, err
	}
	return r.c.download(ctx, cur, off, renew)
}
