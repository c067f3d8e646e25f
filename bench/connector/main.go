// Command connector benchmarks "trestle connector sync" against baselines
// that move the same data without the connector (issue 5's figures).
//
// It builds the trestle binary, generates a Delta table (change data feed on,
// primary key id) with internal/delta, shares it from a "trestle serve" hub,
// and for each destination times the connector beside its baseline:
//
//   - PostgreSQL: "sync --full" into a fresh schema, beside a plain
//     COPY FROM STDIN (FORMAT csv) of the table exported to CSV; the
//     connector process's peak RSS is reported too.
//   - local Parquet folder: "sync --full" beside copying the table's data
//     files with io.Copy, and beside downloading them from the share.
//   - S3 (versitygw, --s3): "sync --full" beside PutObject of the data files.
//   - Azure (Azurite, --azure): "sync --full" beside the SDK's UploadFile
//     of the data files.
//   - incremental: a merge of 1% of the rows into the source, then an
//     incremental "sync" into PostgreSQL, compared with the full sync.
//
// Every sync is checked (row count, and sum(id) in PostgreSQL). The summary
// is Markdown on standard output; progress goes to standard error. See
// bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	rows, rowsPerFile int64
	seed              uint64
	work              string
	keep              bool
	trestle           string
	pg                string
	local, s3, incr   bool
	httpBaseline      bool
	versitygw         string
	s3Format          string
	azure             bool
	azureFormat       string
	azurite           string
	parallel, runs    int
	out, cpuprofile   string
	keepRun           bool
	mariadb           bool
	mariadbDSN        string
}

func parseFlags() options {
	var o options
	flag.Int64Var(&o.rows, "rows", 5_000_000, "rows of the generated table")
	flag.Int64Var(&o.rowsPerFile, "rows-per-file", 1_000_000, "rows per data file of the generated table")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated data")
	flag.StringVar(&o.work, "work", "", "folder for the generated table and the run's files (default: a temporary folder; with --keep, a cache folder)")
	flag.BoolVar(&o.keep, "keep", false, "keep the generated table (and its CSV export) in the work folder and reuse it when the settings match")
	flag.StringVar(&o.trestle, "trestle", "", "the trestle binary to benchmark (default: build ./cmd/trestle with CGO_ENABLED=0)")
	flag.StringVar(&o.pg, "pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", `PostgreSQL to load into ("" skips PostgreSQL and the incremental sync)`)
	flag.BoolVar(&o.local, "local", true, "measure the local Parquet folder destination")
	flag.BoolVar(&o.httpBaseline, "http-baseline", true, "for the local destination, also time downloading the files from the share")
	flag.BoolVar(&o.s3, "s3", false, "measure the S3 destination against versitygw")
	flag.StringVar(&o.s3Format, "s3-format", "parquet", "the S3 destination's format: parquet or delta")
	flag.StringVar(&o.versitygw, "versitygw", "", "the versitygw binary (default: $TRESTLE_TEST_S3_BIN, the tests' cache folder, or PATH)")
	flag.BoolVar(&o.azure, "azure", false, "measure the Azure destination against Azurite")
	flag.StringVar(&o.azureFormat, "azure-format", "parquet", "the Azure destination's format: parquet or delta")
	flag.StringVar(&o.azurite, "azurite", "", "Azurite's blob service script, run with node (default: the tests' install in the cache folder, made if missing)")
	flag.BoolVar(&o.mariadb, "mariadb", false, "measure the MySQL/MariaDB destination against LOAD DATA LOCAL INFILE of the CSV export")
	flag.StringVar(&o.mariadbDSN, "mariadb-dsn", "root@tcp(127.0.0.1:3306)/test", "the MariaDB server for --mariadb (go-sql-driver DSN)")
	flag.BoolVar(&o.incr, "incremental", true, "measure an incremental sync into PostgreSQL after a 1% merge")
	flag.IntVar(&o.parallel, "parallel", 4, "files at once in the file baselines (the connector's downloads default to 4)")
	flag.IntVar(&o.runs, "runs", 1, "how many times to repeat the measurements")
	flag.StringVar(&o.out, "out", "", "append one JSON line per run to this file")
	flag.BoolVar(&o.keepRun, "keep-run", false, "keep the run's folder (hub data, each connector's config, log and output) for inspection")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "also run one full PostgreSQL sync in this process and write its CPU profile here")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./bench/connector [flags]\n\nBenchmarks trestle connector sync against baselines (see bench/README.md).\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 || o.rows < 100 || o.rowsPerFile < 1 || o.runs < 1 || o.parallel < 1 {
		flag.Usage()
		os.Exit(2)
	}
	return o
}

func main() {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/connector:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// bench is one invocation's state.
type bench struct {
	o      options
	bin    string
	runDir string
	src    *source
	hub    *hub
	pg     *pgBench
	s3     *s3Server
	s3Err  error
	az     *azuriteServer
	azErr  error
	rep    *report
	my     *myBench
	csv    string
	// per run: the PostgreSQL connector after its full sync, its schema and
	// the full sync's time (for the incremental).
	pgConn   map[int]*connectorDir
	pgSchema map[int]string
	pgFull   map[int]float64
}

func run(ctx context.Context, o options) (err error) {
	b := &bench{o: o, pgConn: map[int]*connectorDir{}, pgSchema: map[int]string{}, pgFull: map[int]float64{}}
	work := o.work
	switch {
	case work == "" && o.keep:
		cache, err := os.UserCacheDir()
		if err != nil {
			return err
		}
		work = filepath.Join(cache, "trestle-bench", "connector")
	case work == "":
		if work, err = os.MkdirTemp("", "trestle-bench-connector-"); err != nil {
			return err
		}
		if !o.keepRun {
			defer os.RemoveAll(work)
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	if !o.keep {
		defer func() {
			os.RemoveAll(filepath.Join(work, "table"))
			os.Remove(filepath.Join(work, "table.json"))
			os.Remove(csvPath(work))
		}()
	}
	if b.runDir, err = os.MkdirTemp(work, "run-"); err != nil {
		return err
	}
	if o.keepRun {
		defer logf("kept the run's folder %s", b.runDir)
	} else {
		defer os.RemoveAll(b.runDir)
	}

	if b.bin = o.trestle; b.bin == "" {
		logf("building trestle (CGO_ENABLED=0 go build ./cmd/trestle) ...")
		if b.bin, err = buildTrestle(ctx, b.runDir); err != nil {
			return err
		}
	}
	pgVersion := ""
	if o.pg != "" {
		if b.pg, err = connectPG(ctx, o.pg); err != nil {
			return fmt.Errorf("%w (pass --pg '' to skip PostgreSQL)", err)
		}
		defer b.pg.close()
		pgVersion = b.pg.version
	}
	if o.mariadb {
		if b.my, err = connectMariaDB(ctx, o.mariadbDSN); err != nil {
			return err
		}
		defer b.my.close()
		pgVersion = strings.TrimPrefix(pgVersion+"; MariaDB "+b.my.version, "; ")
	}
	want := tableInfo{Format: dataFormat, Rows: o.rows, Seed: o.seed, RowsPerFile: o.rowsPerFile}
	if b.src, err = openSource(ctx, work, want, o.keep, logf); err != nil {
		return err
	}
	defer b.src.close()
	b.rep = &report{Started: time.Now().UTC(), Machine: describeMachine(pgVersion), Table: b.src.info,
		Settings: map[string]any{"rows": o.rows, "rows_per_file": o.rowsPerFile, "seed": o.seed,
			"parallel": o.parallel, "runs": o.runs, "trestle": o.trestle}}
	defer func() {
		if len(b.rep.Results) == 0 {
			return
		}
		b.rep.write(os.Stdout)
		if o.out != "" {
			if werr := b.rep.appendJSON(o.out); werr != nil && err == nil {
				err = werr
			}
		}
		if err == nil && b.rep.failed() {
			err = errors.New("some measurements failed (see the summary)")
		}
	}()

	logf("starting trestle serve with a share of the table ...")
	if b.hub, err = setupHub(ctx, b.bin, filepath.Join(b.runDir, "hub"), b.src.dir); err != nil {
		return err
	}
	defer b.hub.stop()
	defer func() { b.s3.stop() }()
	defer func() { b.az.stop() }()
	if b.pg != nil || b.my != nil {
		if err := b.ensureCSV(ctx, work); err != nil {
			return err
		}
	}
	defer func() { // the schemas of an interrupted run
		for _, s := range b.pgSchema {
			b.pg.dropSchema(ctx, s)
		}
	}()
	for r := 1; r <= o.runs; r++ {
		if r > 1 {
			if err := b.src.restore(ctx); err != nil {
				return err
			}
		}
		steps := []func(context.Context, int) error{b.pgFullRun, b.mariadbRun, b.localRun, b.s3Run, b.azureRun, b.incrementalRun}
		for _, step := range steps {
			if err := step(ctx, r); err != nil {
				return err
			}
		}
		if s, ok := b.pgSchema[r]; ok {
			b.pg.dropSchema(ctx, s)
			delete(b.pgSchema, r)
		}
	}
	if o.cpuprofile != "" && b.pg != nil {
		if err := b.src.restore(ctx); err != nil {
			return err
		}
		return b.profileRun(ctx, o.cpuprofile)
	}
	return ctx.Err()
}

// ensureCSV exports the table to CSV once (kept with --keep).
func (b *bench) ensureCSV(ctx context.Context, work string) error {
	b.csv = csvPath(work)
	if fi, err := os.Stat(b.csv); err == nil && b.src.info.CSVBytes == fi.Size() {
		logf("reusing the CSV export %s (%s)", b.csv, mb(fi.Size()))
		return nil
	}
	logf("exporting the table to CSV for the COPY baseline ...")
	start := time.Now()
	rows, size, err := exportCSV(ctx, b.src, b.csv)
	if err != nil {
		return fmt.Errorf("export the table to CSV: %w", err)
	}
	if rows != b.src.info.Rows {
		return fmt.Errorf("the CSV export has %d rows, the table %d", rows, b.src.info.Rows)
	}
	b.src.info.CSVBytes = size
	b.rep.Table.CSVBytes = size
	logf("exported %d rows (%s) in %.1f s", rows, mb(size), time.Since(start).Seconds())
	return b.src.saveInfo()
}

// errText is err's message, or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// stopped returns the context's error once the run was interrupted, so that
// a measurement that failed because of it ends the run instead.
func stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	return nil
}
