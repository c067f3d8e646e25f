package cli

import "github.com/spf13/cobra"

// newConnectorScheduleCmd is "trestle connector schedule" (placeholder).
func newConnectorScheduleCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{Use: "schedule", Short: "not built yet", Hidden: true}
}

// newConnectorRunCmd is "trestle connector run" (placeholder).
func newConnectorRunCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{Use: "run", Short: "not built yet", Hidden: true}
}
