package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// runConnectorSync runs one sync of the connector configured at o.config:
// every configured table, or only tables (share.schema.table), reloading them
// entirely when full. It logs to g.stderr and to the log file beside the
// config, writes failed_tables.log, and returns an error (exit code 1) when a
// table failed.
func runConnectorSync(ctx context.Context, g *globals, o *connectorOpts, tables []string, full bool) error {
	return errors.New("connector sync: not built yet")
}

// newConnectorSyncCmd is "trestle connector sync" (placeholder).
func newConnectorSyncCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{Use: "sync", Short: "not built yet", Hidden: true}
}

// newConnectorStatusCmd is "trestle connector status" (placeholder).
func newConnectorStatusCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{Use: "status", Short: "not built yet", Hidden: true}
}
