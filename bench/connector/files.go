package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/delta/datafile"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// forEach runs fn for items 0..n-1, parallel at a time, and returns the first
// error.
func forEach(ctx context.Context, n, parallel int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	for i := range n {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(ctx, i)
		})
	}
	return g.Wait()
}

// writeFile copies r into a new file at path and syncs it to disk, as a
// destination that keeps files does.
func writeFile(path string, r io.Reader) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// copyFiles is the local baseline: the table's data files copied with
// io.Copy into dst (each synced to disk), parallel at a time.
func copyFiles(ctx context.Context, paths []string, dst string, parallel int) (int64, error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var total int64
	err := forEach(ctx, len(paths), parallel, func(_ context.Context, i int) error {
		src, err := os.Open(paths[i])
		if err != nil {
			return err
		}
		defer src.Close()
		n, err := writeFile(filepath.Join(dst, fmt.Sprintf("part-%05d.parquet", i)), src)
		mu.Lock()
		total += n
		mu.Unlock()
		return err
	})
	return total, err
}

// downloadFiles is the second local baseline: the table's files downloaded
// over Delta Sharing from the hub (one query, then the pre-signed URLs),
// parallel at a time, into dst.
func downloadFiles(ctx context.Context, profilePath, dst string, parallel int) (int64, error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	profile, err := client.LoadProfile(profilePath)
	if err != nil {
		return 0, err
	}
	c, err := client.New(profile, client.Options{})
	if err != nil {
		return 0, err
	}
	t, err := client.ParseTable(sharedTable)
	if err != nil {
		return 0, err
	}
	res, err := c.Query(ctx, t, client.QueryOptions{})
	if err != nil {
		return 0, fmt.Errorf("query %s: %w", sharedTable, err)
	}
	var mu sync.Mutex
	var total int64
	err = forEach(ctx, len(res.Files), parallel, func(ctx context.Context, i int) error {
		body, err := c.Download(ctx, res.Files[i])
		if err != nil {
			return err
		}
		defer body.Close()
		n, err := writeFile(filepath.Join(dst, fmt.Sprintf("part-%05d.parquet", i)), body)
		mu.Lock()
		total += n
		mu.Unlock()
		return err
	})
	return total, err
}

// parquetRows sums the row counts (from the footers) of the Parquet files
// under prefix in a store, skipping hidden files and folders ("_" or ".").
func parquetRows(ctx context.Context, st blob.Store, prefix string) (rows int64, files int, err error) {
	for info, err := range st.List(ctx, prefix, "") {
		if err != nil {
			return 0, 0, err
		}
		if !strings.HasSuffix(info.Key, ".parquet") || hidden(strings.TrimPrefix(info.Key, prefix)) {
			continue
		}
		r, err := datafile.Open(ctx, st, info.Key)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", info.Key, err)
		}
		rows += r.NumRows()
		files++
		r.Close()
	}
	return rows, files, nil
}

// hidden reports whether a key has a segment starting with "_" or ".".
func hidden(key string) bool {
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}
