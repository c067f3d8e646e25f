package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/trestle-dev/trestle/internal/blob/local"
	"github.com/trestle-dev/trestle/internal/connector/config"
)

// Targets of issue 5.
const (
	targetPGRatio   = 0.75        // COPY time / sync time, at least
	targetPGRSS     = 300_000_000 // bytes, below
	targetFileRatio = 1.5         // sync time / file copy time, at most
	targetIncrShare = 0.05        // incremental / full sync time, below
)

// measureSync runs a connector's sync and fills in a measurement of it:
// rows, bytes (the table's Parquet), time, peak RSS and the mode; a
// destination that is not in this build makes it a skip.
func (b *bench) measureSync(ctx context.Context, c *connectorDir, full bool, m measurement) (measurement, syncRun, error) {
	r, err := c.sync(ctx, b.bin, full)
	m.Seconds, m.PeakRSS, m.PolledRSS, m.CPUSeconds = r.Seconds, r.PeakRSS, r.PolledRSS, r.CPUSeconds
	if m.Rows == 0 {
		m.Rows, m.Bytes = b.src.info.Rows, b.src.info.Bytes
	}
	switch {
	case errors.Is(err, errNotImplemented):
		m.Seconds, m.PeakRSS, m.PolledRSS, m.CPUSeconds = 0, 0, 0, 0
		m.Skipped = err.Error()
	case err != nil:
		m.Error = err.Error()
	default:
		m.Note = "mode " + r.Mode
	}
	return m, r, err
}

// pgFullRun times the COPY baseline and the full sync into PostgreSQL.
func (b *bench) pgFullRun(ctx context.Context, run int) error {
	if b.pg == nil {
		return nil
	}
	info := b.src.info
	logf("run %d: PostgreSQL baseline: COPY of the CSV export ...", run)
	copySchema := b.pg.schemaName("copy", run)
	base := measurement{Run: run, Name: "pg/copy", Label: "PostgreSQL baseline: COPY FROM STDIN (FORMAT csv)", Rows: info.Rows, Bytes: info.CSVBytes}
	pk := measurement{Run: run, Name: "pg/copy-pk", Label: "PostgreSQL baseline: then ADD PRIMARY KEY, commit"}
	err := b.pg.createSchema(ctx, copySchema)
	if err == nil {
		b.pg.checkpoint(ctx)
		base.Seconds, pk.Seconds, err = b.pg.copyBaseline(ctx, copySchema, b.src.arrow, b.csv)
	}
	if err == nil {
		err = b.pg.verify(ctx, copySchema, "orders", info.Rows, info.SumID)
	}
	var baseFP string
	if err == nil {
		baseFP, err = b.pg.fingerprint(ctx, copySchema, "orders")
	}
	b.pg.dropSchema(ctx, copySchema)
	base.Error = errText(err)
	b.rep.add(base)
	if err == nil {
		b.rep.add(pk)
	}
	if err := stopped(ctx); err != nil {
		return err
	}

	logf("run %d: trestle connector sync --full into PostgreSQL ...", run)
	schema := b.pg.schemaName("sync", run)
	b.pgSchema[run] = schema
	var c *connectorDir
	if err = b.pg.createSchema(ctx, schema); err == nil {
		c, err = newConnector(filepath.Join(b.runDir, fmt.Sprintf("pg-%d", run)), b.hub.profile, b.pg.destination(schema))
	}
	m := measurement{Run: run, Name: "pg/sync-full", Label: "trestle connector sync --full into PostgreSQL"}
	if err != nil {
		m.Error = err.Error()
		b.rep.add(m)
		return stopped(ctx)
	}
	b.pg.checkpoint(ctx)
	m, _, err = b.measureSync(ctx, c, true, m)
	if err == nil {
		err = b.pg.verify(ctx, schema, destTableName, info.Rows, info.SumID)
		if err == nil && baseFP != "" {
			var fp string
			if fp, err = b.pg.fingerprint(ctx, schema, destTableName); err == nil && fp != baseFP {
				err = fmt.Errorf("the synced table's aggregates differ from the COPY baseline's:\n  sync: %s\n  COPY: %s", fp, baseFP)
			} else if err == nil {
				m.Note += "; same aggregates as the COPY baseline"
			}
		}
		m.Error = errText(err)
	}
	b.rep.add(m)
	if err != nil {
		return stopped(ctx)
	}
	b.pgConn[run], b.pgFull[run] = c, m.Seconds
	if base.Error == "" {
		ratio := base.Seconds / m.Seconds
		b.rep.check(check{Run: run, Name: "PostgreSQL: COPY time / sync time", Value: ratio,
			Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf(">= %.2f", targetPGRatio), Met: ratio >= targetPGRatio})
		ratio = (base.Seconds + pk.Seconds) / m.Seconds
		b.rep.check(check{Run: run, Name: "PostgreSQL: (COPY + primary key) time / sync time", Value: ratio,
			Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf(">= %.2f", targetPGRatio), Met: ratio >= targetPGRatio})
	}
	if m.PeakRSS > 0 {
		b.rep.check(check{Run: run, Name: "PostgreSQL: connector peak RSS", Value: float64(m.PeakRSS) / 1e6,
			Shown: fmt.Sprintf("%.0f MB", float64(m.PeakRSS)/1e6), Target: "< 300 MB", Met: m.PeakRSS < targetPGRSS})
	}
	return nil
}

// localRun times the local Parquet destination and its baselines.
func (b *bench) localRun(ctx context.Context, run int) error {
	if !b.o.local {
		return nil
	}
	info := b.src.info
	paths, _, err := b.src.dataFiles(ctx)
	if err != nil {
		return err
	}
	logf("run %d: local baseline: io.Copy of the %d data files ...", run, len(paths))
	dir := filepath.Join(b.runDir, fmt.Sprintf("local-%d", run))
	if !b.o.keepRun {
		defer os.RemoveAll(dir)
	}
	cp := measurement{Run: run, Name: "local/copy", Rows: info.Rows, Bytes: info.Bytes,
		Label: fmt.Sprintf("local baseline: io.Copy of the data files (%d at once, fsync)", b.o.parallel)}
	start := time.Now()
	n, err := copyFiles(ctx, paths, filepath.Join(dir, "copy"), b.o.parallel)
	cp.Seconds = time.Since(start).Seconds()
	if err == nil && n != info.Bytes {
		err = fmt.Errorf("copied %d bytes, the table has %d", n, info.Bytes)
	}
	cp.Error = errText(err)
	b.rep.add(cp)
	if err := stopped(ctx); err != nil {
		return err
	}
	dl := measurement{Run: run, Name: "local/http", Rows: info.Rows, Bytes: info.Bytes,
		Label: fmt.Sprintf("local baseline: download of the data files from the share (%d at once, fsync)", b.o.parallel)}
	if b.o.httpBaseline {
		logf("run %d: local baseline: download from the share ...", run)
		start = time.Now()
		n, err = downloadFiles(ctx, b.hub.profile, filepath.Join(dir, "http"), b.o.parallel)
		dl.Seconds = time.Since(start).Seconds()
		if err == nil && n != info.Bytes {
			err = fmt.Errorf("downloaded %d bytes, the table has %d", n, info.Bytes)
		}
		dl.Error = errText(err)
		b.rep.add(dl)
		if err := stopped(ctx); err != nil {
			return err
		}
	}
	_ = os.RemoveAll(filepath.Join(dir, "copy"))
	_ = os.RemoveAll(filepath.Join(dir, "http"))

	logf("run %d: trestle connector sync --full into a local Parquet folder ...", run)
	dest := filepath.Join(dir, "dest")
	m := measurement{Run: run, Name: "local/sync-full", Label: "trestle connector sync --full into a local folder (parquet)"}
	c, err := newConnector(filepath.Join(dir, "connector"), b.hub.profile,
		config.Destination{Type: "local", Local: &config.LocalConfig{Path: dest, Format: "parquet"}})
	if err != nil {
		m.Error = err.Error()
		b.rep.add(m)
		return stopped(ctx)
	}
	m, _, err = b.measureSync(ctx, c, true, m)
	if errors.Is(err, errNotImplemented) {
		m.Skipped = "the local destination (internal/connector/sink/local) is " + m.Skipped
		logf("run %d: skipped: %s", run, m.Skipped)
	}
	if err == nil {
		if err = verifyFolder(ctx, dest, info.Rows); err != nil {
			m.Error = err.Error()
		}
	}
	if err == nil {
		if dl.Seconds > 0 && dl.Error == "" {
			m.Note += fmt.Sprintf("; sync / download = %.2f", m.Seconds/dl.Seconds)
		}
		if cp.Error == "" {
			ratio := m.Seconds / cp.Seconds
			b.rep.check(check{Run: run, Name: "local Parquet: sync time / io.Copy time", Value: ratio,
				Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf("<= %.1f", targetFileRatio), Met: ratio <= targetFileRatio})
		}
	}
	b.rep.add(m)
	return stopped(ctx)
}

// verifyFolder checks the rows of the Parquet files in a folder.
func verifyFolder(ctx context.Context, dir string, rows int64) error {
	st, err := local.New(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	n, files, err := parquetRows(ctx, st, "")
	if err != nil {
		return fmt.Errorf("verify %s: %w", dir, err)
	}
	if n != rows {
		return fmt.Errorf("verify %s: %d Parquet files hold %d rows, want %d", dir, files, n, rows)
	}
	return nil
}

// s3Run times the S3 destination and its PutObject baseline.
func (b *bench) s3Run(ctx context.Context, run int) error {
	if !b.o.s3 {
		return nil
	}
	if b.s3 == nil && b.s3Err == nil {
		logf("starting versitygw ...")
		bin, err := findVersityGW(b.o.versitygw)
		if err == nil {
			b.s3, err = startS3(ctx, bin, filepath.Join(b.runDir, "s3"))
		}
		if err != nil {
			b.s3Err = fmt.Errorf("the S3 server cannot start: %w", err)
			logf("skipping S3: %v", b.s3Err)
		}
	}
	return b.objectStoreRun(ctx, run, objectRun{name: "s3", title: "S3", baseline: "PutObject", server: "versitygw",
		format: b.o.s3Format}, b.s3, b.s3Err)
}

// incrementalRun merges 1% changes into the source and times the
// incremental sync into PostgreSQL after the run's full sync.
func (b *bench) incrementalRun(ctx context.Context, run int) error {
	if b.pg == nil || !b.o.incr {
		return nil
	}
	m := measurement{Run: run, Name: "pg/sync-incremental", Label: "trestle connector sync (incremental) into PostgreSQL"}
	c := b.pgConn[run]
	if c == nil {
		m.Skipped = "the full sync into PostgreSQL did not succeed"
		b.rep.add(m)
		return nil
	}
	logf("run %d: merging 1%% changed rows into the source table ...", run)
	ch, err := b.src.mergeChanges(ctx, run)
	mm := measurement{Run: run, Name: "source/merge", Label: "source: Delta merge of the 1% changes (setup, not a figure)",
		Seconds: ch.Seconds, Error: errText(err),
		Note: fmt.Sprintf("%d updated, %d deleted, %d inserted", ch.Updated, ch.Deleted, ch.Inserted)}
	b.rep.add(mm)
	if err != nil {
		return stopped(ctx)
	}
	logf("run %d: trestle connector sync (incremental) into PostgreSQL ...", run)
	m.Rows = ch.Updated + ch.Deleted + ch.Inserted
	b.pg.checkpoint(ctx)
	m, r, err := b.measureSync(ctx, c, false, m)
	if err == nil {
		err = b.pg.verify(ctx, b.pgSchema[run], destTableName, ch.Rows, ch.SumID)
		m.Error = errText(err)
	}
	m.Note = fmt.Sprintf("%s; %s changed rows", m.Note, thousands(m.Rows))
	b.rep.add(m)
	if err == nil {
		share := m.Seconds / b.pgFull[run]
		shown := fmt.Sprintf("%.1f%%", share*100)
		if r.Mode != "incremental" {
			shown += " (mode " + r.Mode + ")"
		}
		b.rep.check(check{Run: run, Name: "incremental sync time / full sync time (PostgreSQL)", Value: share,
			Shown: shown, Target: "< 5%", Met: share < targetIncrShare && r.Mode == "incremental"})
	}
	return stopped(ctx)
}
