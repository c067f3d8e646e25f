package cli

import (
	"context"
	"fmt"

	"github.com/trestle-dev/trestle/internal/quickconnect"
	"github.com/trestle-dev/trestle/internal/quickconnect/source"
	"github.com/trestle-dev/trestle/internal/store"
)

// qcFlags are serve's settings for QuickConnect.
type qcFlags struct {
	enabled bool
	secrets string
}

// startQuickConnect runs the QuickConnect scheduler until ctx ends; done gets
// its outcome.
func startQuickConnect(ctx context.Context, g *globals, st store.Store, f qcFlags, done chan<- error) error {
	var secrets *source.Secrets
	if f.secrets != "" {
		s, err := source.LoadSecrets(f.secrets)
		if err != nil {
			return fmt.Errorf("--quickconnect-secrets: %w", err)
		}
		secrets = s
	}
	sc, err := quickconnect.NewScheduler(st, quickconnect.SchedulerOptions{Log: g.log.With("component", "quickconnect"), Secrets: secrets})
	if err != nil {
		return err
	}
	go func() { done <- sc.Run(ctx) }()
	return nil
}
