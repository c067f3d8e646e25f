package cli

import "github.com/spf13/cobra"

// newConnectorSetupCmd is "trestle connector setup" (placeholder).
func newConnectorSetupCmd(g *globals, o *connectorOpts) *cobra.Command {
	return &cobra.Command{Use: "setup", Short: "Write config.yaml (not built yet)", Hidden: true}
}
