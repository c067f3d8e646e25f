package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/buildinfo"
	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/hub"
	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/publish"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		addr     string
		withDemo bool
		grace    time.Duration
		pub      publishFlags
		share    sharingFlags
		sftp     sftpFlags
		qc       qcFlags
		apiF     apiFlags
		sbx      sandboxFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the planning hub",
		Long: `Run the planning hub. With no settings it keeps its data in ./trestle-data (an SQLite
database) and listens on http://127.0.0.1:8080. --database-url postgres://... uses
PostgreSQL instead; nothing else changes.

The schema is migrated at start. Every company's shared Delta tables (--tables, default
./trestle-data/tables) are created and then kept current: changes are published as
merge commits within seconds (--publish-debounce after the last change). GET /healthz answers while the process runs; GET /readyz
answers 200 once start-up (and --demo loading) is done and the database answers.
SIGINT or SIGTERM stops the hub after in-flight requests finish.`,
		Example: `  trestle serve --demo
  trestle serve --database-url postgres://trestle@db.internal/trestle --http-addr 0.0.0.0:8080 --log-format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, g, addr, withDemo, grace, pub, share, sftp, qc, apiF, sbx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "http-addr", "127.0.0.1:8080", "HTTP listen address")
	f.BoolVar(&withDemo, "demo", false, "load the demo company (slug demo) if it is not there yet")
	f.DurationVar(&grace, "shutdown-timeout", 30*time.Second, "how long in-flight requests may run after a stop signal")
	f.StringVar(&share.publicURL, "public-url", "", "the URL clients reach this hub at, used in Delta Sharing profiles and file URLs (default: http:// and the listen address)")
	f.DurationVar(&share.urlTTL, "sharing-url-ttl", time.Hour, "how long Delta Sharing file URLs stay valid")
	f.BoolVar(&pub.enabled, "publish", true, "keep every company's shared Delta tables current (see trestle publish)")
	f.DurationVar(&pub.debounce, "publish-debounce", time.Second, "publish changes once none has arrived for this long")
	f.StringVar(&sftp.addr, "sftp-addr", "127.0.0.1:2022", "SFTP drop listen address (uploads of the CSV templates replace a company's people and projects); off to run without it")
	f.BoolVar(&qc.enabled, "quickconnect", true, "run the QuickConnect connections on their schedules (see trestle quickconnect)")
	f.StringVar(&qc.secrets, "quickconnect-secrets", "", "a YAML file of secrets QuickConnect sources name as secret:NAME")
	f.StringVar(&apiF.rateLimit, "api-rate-limit", "3600/h", "REST API requests allowed per token and company: 3600/h, 100/min, 10/s or off")
	f.Int64Var(&apiF.maxBody, "api-max-body", 1<<20, "largest REST API request body, in bytes (larger ones get 413)")
	f.Float64Var(&sftp.holdAbove, "sftp-hold-above", 0.5, "hold an SFTP upload that would deactivate more than this share of the active people or projects")
	sbx.addFlags(f)
	return cmd
}

// publishFlags are serve's settings for publishing the shared tables.
type publishFlags struct {
	enabled  bool
	debounce time.Duration
}

func serve(ctx context.Context, g *globals, addr string, withDemo bool, grace time.Duration, pub publishFlags, share sharingFlags, sftp sftpFlags, qc qcFlags, apiF apiFlags, sbx sandboxFlags) error {
	log := g.log
	start := time.Now()
	log.Info("starting trestle", "version", buildinfo.Get().Version, "data_dir", g.dataDir)
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	log.Info("database ready", "database", st.String())

	h := hub.New(hub.Config{Addr: addr, ShutdownTimeout: grace, Store: st, Logger: log})
	if err := h.Listen(); err != nil {
		return err
	}
	tables, err := g.openTables(ctx)
	if err != nil {
		return err
	}
	restAPI, err := mountAPI(g, h, st, apiF, share)
	if err != nil {
		return err
	}
	stopSharing, err := mountSharing(ctx, g, h, st, tables, share, restAPI)
	if err != nil {
		return err
	}
	defer stopSharing()
	var sftpDone <-chan error
	if sftp.enabled() {
		if sftpDone, err = startSFTP(ctx, g, st, sftp); err != nil {
			return err
		}
	} else {
		none := make(chan error, 1)
		none <- nil
		sftpDone = none
	}
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx) }()

	if withDemo {
		h.SetNotReady("loading demo data")
		sum, err := demo.Load(ctx, st, demo.DefaultSlug, planning.DateOf(time.Now()))
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		log.Info("demo data loaded", "company", demo.DefaultSlug, "summary", sum.String())
		printDemoProfileHint(g, share.publicBase(h.Addr())+SharingPrefix)
	}
	published := make(chan error, 1)
	pctx, stopPublishing := context.WithCancel(ctx)
	defer stopPublishing()
	if pub.enabled {
		p := publish.New(st, tables, publish.Options{Log: log})
		log.Info("publishing shared tables", "tables", g.tablesLocation(), "debounce", pub.debounce)
		go func() { published <- p.Run(pctx, publish.RunOptions{Debounce: pub.debounce}) }()
	} else {
		published <- nil
	}
	qcDone := make(chan error, 1)
	if qc.enabled {
		if err := startQuickConnect(pctx, g, st, qc, qcDone); err != nil {
			return err
		}
	} else {
		qcDone <- nil
	}
	sbxDone := make(chan error, 1)
	startSandboxes(pctx, g, st, sbx, sbxDone)
	h.SetReady()
	log.Info("trestle is ready", "url", "http://"+h.Addr(), "startup", time.Since(start).Round(time.Millisecond))
	err = <-served
	stopPublishing()
	<-published // the store closes after the publisher stopped
	<-qcDone
	<-sbxDone
	if serr := <-sftpDone; err == nil && serr != nil && !errors.Is(serr, context.Canceled) {
		err = serr
	}
	return err
}
