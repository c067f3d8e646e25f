package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/blob"
	"github.com/trestle-dev/trestle/internal/demo"
	"github.com/trestle-dev/trestle/internal/hub"
	"github.com/trestle-dev/trestle/internal/sharing"
	"github.com/trestle-dev/trestle/internal/sharing/fileurl"
	"github.com/trestle-dev/trestle/internal/sharing/hubshare"
	"github.com/trestle-dev/trestle/internal/store"
	"github.com/trestle-dev/trestle/internal/store/sqlstore"
)

// SharingPrefix is where the hub serves the Delta Sharing protocol.
const SharingPrefix = "/delta-sharing"

// sharingFlags are serve's settings for Delta Sharing.
type sharingFlags struct {
	publicURL string
	urlTTL    time.Duration
}

// publicBase is the URL clients reach the hub at: --public-url, or the listen
// address.
func (f sharingFlags) publicBase(listenAddr string) string {
	if f.publicURL != "" {
		return strings.TrimRight(f.publicURL, "/")
	}
	return "http://" + listenAddr
}

// mountSharing serves Delta Sharing under /delta-sharing: the protocol, and the
// signed file URLs of tables kept in folders. Access is logged to the store off
// the request path; the returned function stops the logger.
func mountSharing(ctx context.Context, g *globals, h *hub.Hub, st store.Store, tables blob.Store, f sharingFlags, restAPI *api.API) (func(), error) {
	secret, err := fileurl.LoadOrCreateSecret(filepath.Join(g.dataDir, "sharing.key"))
	if err != nil {
		return nil, fmt.Errorf("sharing key: %w", err)
	}
	base := f.publicBase(h.Addr())
	signer := fileurl.NewSigner(secret, base+SharingPrefix+"/files")
	catalog := hubshare.New(st, tables, signer)
	logs := make(chan sharing.Access, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for a := range logs {
			e := store.SharingAccess{At: time.Now().Add(-a.Duration), UserID: a.Recipient.UserID, TokenID: a.Recipient.TokenID,
				Method: a.Method, Path: a.Path, Share: a.Share, Schema: a.Schema, Table: a.Name, Status: a.Status,
				Files: a.Files, Bytes: a.Bytes, Duration: a.Duration, Remote: a.Remote}
			if err := st.LogSharingAccess(context.WithoutCancel(ctx), e); err != nil {
				g.log.Warn("could not write the sharing access log", "err", err)
			}
		}
	}()
	srv := sharing.New(sharing.Config{Prefix: SharingPrefix, Auth: catalog, Catalog: catalog, URLTTL: f.urlTTL,
		Secret: secret, Log: g.log,
		Access: func(_ context.Context, a sharing.Access) {
			select {
			case logs <- a:
			default:
				g.log.Warn("sharing access log is behind; an entry was dropped", "path", a.Path)
			}
		}})
	h.Handle("/oauth/token", tokenEndpoint(restAPI, catalog.TokenHandler()))
	h.HandleTree(SharingPrefix+"/files/", signer)
	h.HandleTree(SharingPrefix+"/", srv)
	g.log.Info("delta sharing ready", "endpoint", base+SharingPrefix, "url_ttl", f.urlTTL)
	return func() { close(logs); <-done }, nil
}

// printDemoProfileHint prints the one command that writes a working
// config.share for the demo analyst, against this hub's data.
func printDemoProfileHint(g *globals, endpoint string) {
	cmd := "trestle share profile --user " + demo.AnalystEmail + " --out config.share"
	if g.databaseURL != "" {
		u := g.databaseURL
		if sqlstore.MaskURL(u) != u {
			u = "<your database URL>"
		}
		cmd += " --database-url '" + u + "'"
	} else if g.dataDir != "./trestle-data" {
		cmd += " --data-dir '" + g.dataDir + "'"
	}
	if endpoint != defaultEndpoint {
		cmd += " --endpoint " + endpoint
	}
	fmt.Fprintf(g.stdout, "\nDemo analyst: write a Delta Sharing profile for %s with\n\n  %s\n\n"+
		"then in Python: delta_sharing.load_as_pandas(\"config.share#demo.resource_planning.people\")\n\n", demo.AnalystEmail, cmd)
}
