package cli

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/trestle-dev/trestle/internal/sandbox"
	"github.com/trestle-dev/trestle/internal/store"
)

// sandboxFlags are serve's settings for sandbox refreshes.
type sandboxFlags struct {
	refresh bool
}

// addFlags declares serve's sandbox flags.
func (f *sandboxFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&f.refresh, "sandbox-refresh", true, "refresh sandbox companies from production on their schedules (see trestle sandbox)")
}

// startSandboxes runs the sandbox refresh scheduler until ctx ends, when
// --sandbox-refresh is on; done gets its outcome (nil at once when off).
func startSandboxes(ctx context.Context, g *globals, st store.Store, f sandboxFlags, done chan<- error) {
	if !f.refresh {
		done <- nil
		return
	}
	sc := sandbox.NewScheduler(st, sandbox.SchedulerOptions{Log: g.log.With("component", "sandbox")})
	go func() { done <- sc.Run(ctx) }()
}
