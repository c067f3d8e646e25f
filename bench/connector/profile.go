package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/trestle-dev/trestle/internal/connector"
	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/destination"
	"github.com/trestle-dev/trestle/internal/connector/state"
	"github.com/trestle-dev/trestle/internal/sharing/client"
)

// profileRun runs one full sync into PostgreSQL in this process (the engine
// "trestle connector sync" runs, without the CLI around it) under a CPU
// profile written to path, and reports its time.
func (b *bench) profileRun(ctx context.Context, path string) error {
	schema := b.pg.schemaName("profile", 0)
	if err := b.pg.createSchema(ctx, schema); err != nil {
		return err
	}
	defer b.pg.dropSchema(ctx, schema)
	dir := filepath.Join(b.runDir, "profile")
	if err := os.MkdirAll(filepath.Join(dir, "downloads"), 0o755); err != nil {
		return err
	}
	cfg := &config.Config{Profile: b.hub.profile, Tables: []string{sharedTable}, Destination: b.pg.destination(schema)}
	profile, err := client.LoadProfile(b.hub.profile)
	if err != nil {
		return err
	}
	c, err := client.New(profile, client.Options{})
	if err != nil {
		return err
	}
	st, err := state.Open(filepath.Join(dir, state.FileName))
	if err != nil {
		return err
	}
	dest, err := destination.Open(ctx, cfg.Destination, dir)
	if err != nil {
		return err
	}
	defer dest.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	logf("in-process full sync into PostgreSQL with a CPU profile (%s) ...", path)
	b.pg.checkpoint(ctx)
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	start := time.Now()
	rep, err := connector.Sync(ctx, connector.Options{Client: c, Sink: dest, State: st, Config: cfg, Full: true,
		TempDir: filepath.Join(dir, "downloads"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	secs := time.Since(start).Seconds()
	pprof.StopCPUProfile()
	m := measurement{Run: 0, Name: "pg/sync-full-inprocess", Rows: b.src.info.Rows, Bytes: b.src.info.Bytes, Seconds: secs,
		Label: "connector.Sync --full into PostgreSQL in-process (CPU profiled)", Note: "profile: " + path}
	if err == nil && len(rep.Failed()) > 0 {
		err = rep.Failed()[0].Err
	}
	if err == nil {
		err = b.pg.verify(ctx, schema, destTableName, b.src.info.Rows, b.src.info.SumID)
	}
	m.Error = errText(err)
	b.rep.add(m)
	if err != nil {
		return fmt.Errorf("in-process sync: %w", err)
	}
	return nil
}
