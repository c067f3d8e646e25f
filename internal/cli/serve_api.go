package cli

import (
	"net/http"

	"github.com/trestle-dev/trestle/internal/api"
	"github.com/trestle-dev/trestle/internal/buildinfo"
	"github.com/trestle-dev/trestle/internal/hub"
	"github.com/trestle-dev/trestle/internal/store"
)

// apiFlags are serve's settings for the REST API.
type apiFlags struct {
	rateLimit string
	maxBody   int64
}

// mountAPI serves the REST API under /api/v1 and returns it, so that the
// token endpoint can be shared with Delta Sharing's OAuth clients.
func mountAPI(g *globals, h *hub.Hub, st store.Store, f apiFlags, share sharingFlags) (*api.API, error) {
	limit, err := api.ParseRateLimit(f.rateLimit)
	if err != nil {
		return nil, err
	}
	a := api.New(api.Config{Store: st, Log: g.log.With("component", "api"), RateLimit: &limit, MaxBodyBytes: f.maxBody,
		Version: buildinfo.Get().Version, ServerURL: share.publicBase(h.Addr())})
	h.HandleTree(api.Prefix+"/", a)
	g.log.Info("rest api ready", "endpoint", share.publicBase(h.Addr())+api.Prefix, "openapi", api.OpenAPIPath, "rate_limit", limit.String())
	return a, nil
}

// tokenEndpoint is POST /oauth/token for both kinds of OAuth client: the
// API's (trc_...) and Delta Sharing recipients'.
func tokenEndpoint(a *api.API, sharing http.Handler) http.Handler { return a.TokenHandler(sharing) }
