package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/connector/config"
)

// objectServer is an object store the benchmark starts (versitygw for S3,
// Azurite for Azure) and measures a destination on.
type objectServer interface {
	// upload is the baseline: the SDK's own upload of the data files,
	// parallel at once, under prefix.
	upload(ctx context.Context, paths []string, prefix string, parallel int) error
	deletePrefix(ctx context.Context, prefix string) error
	// destination is config.yaml's destination for prefix, and the
	// environment the connector needs.
	destination(prefix, format string) (config.Destination, []string)
	// blobs opens the store for counting what landed.
	blobs(ctx context.Context) (blob.Store, error)
	// where names prefix in messages ("s3://bucket/prefix").
	where(prefix string) string
}

// objectRun says how one object-store measurement is named.
type objectRun struct {
	name     string // "s3", "azure": measurement and folder names
	title    string // "S3", "Azure"
	baseline string // "PutObject", "UploadFile"
	server   string // "versitygw", "Azurite"
	format   string
}

// objectStoreRun measures one run on an object store: the baseline upload of
// the data files, then "sync --full" into the destination, whose Parquet rows
// are counted; the ratio of the two times is the figure. srvErr (the server
// could not start) skips both.
func (b *bench) objectStoreRun(ctx context.Context, run int, r objectRun, srv objectServer, srvErr error) error {
	info := b.src.info
	up := measurement{Run: run, Name: r.name + "/upload", Rows: info.Rows, Bytes: info.Bytes,
		Label: fmt.Sprintf("%s baseline: %s of the data files (%d at once)", r.title, r.baseline, b.o.parallel)}
	m := measurement{Run: run, Name: r.name + "/sync-full",
		Label: fmt.Sprintf("trestle connector sync --full into %s (%s, %s)", r.title, r.server, r.format)}
	if srvErr != nil {
		up.Skipped, m.Skipped = srvErr.Error(), srvErr.Error()
		b.rep.add(up)
		b.rep.add(m)
		return stopped(ctx)
	}
	paths, _, err := b.src.dataFiles(ctx)
	if err != nil {
		return err
	}
	logf("run %d: %s baseline: %s of %d files ...", run, r.title, r.baseline, len(paths))
	prefix := fmt.Sprintf("baseline-%d", run)
	start := time.Now()
	err = srv.upload(ctx, paths, prefix, b.o.parallel)
	up.Seconds = time.Since(start).Seconds()
	up.Error = errText(err)
	b.rep.add(up)
	_ = srv.deletePrefix(context.WithoutCancel(ctx), prefix+"/")
	if err := stopped(ctx); err != nil {
		return err
	}

	logf("run %d: trestle connector sync --full into %s ...", run, r.title)
	prefix = fmt.Sprintf("sync-%d", run)
	defer func() { _ = srv.deletePrefix(context.WithoutCancel(ctx), prefix+"/") }()
	d, env := srv.destination(prefix, r.format)
	c, err := newConnector(filepath.Join(b.runDir, fmt.Sprintf("%s-%d", r.name, run)), b.hub.profile, d, env...)
	if err != nil {
		m.Error = err.Error()
		b.rep.add(m)
		return stopped(ctx)
	}
	m, _, err = b.measureSync(ctx, c, true, m)
	if errors.Is(err, errNotImplemented) {
		m.Skipped = "the " + r.title + " destination is " + m.Skipped
		logf("run %d: skipped: %s", run, m.Skipped)
	}
	if err == nil {
		err = countLanded(ctx, srv, prefix+"/", info.Rows)
		m.Error = errText(err)
	}
	if err == nil && up.Error == "" {
		ratio := m.Seconds / up.Seconds
		b.rep.check(check{Run: run, Name: fmt.Sprintf("%s: sync time / %s time", r.title, r.baseline), Value: ratio,
			Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf("<= %.1f", targetFileRatio), Met: ratio <= targetFileRatio})
	}
	b.rep.add(m)
	return stopped(ctx)
}

// countLanded checks that the Parquet objects under prefix hold rows rows.
func countLanded(ctx context.Context, srv objectServer, prefix string, rows int64) error {
	st, err := srv.blobs(ctx)
	if err != nil {
		return err
	}
	n, files, err := parquetRows(ctx, st, prefix)
	if err != nil {
		return fmt.Errorf("verify %s: %w", srv.where(prefix), err)
	}
	if n != rows {
		return fmt.Errorf("verify %s: %d Parquet objects hold %d rows, want %d", srv.where(prefix), files, n, rows)
	}
	return nil
}
