package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"
)

// connectorOpts are the options every connector command shares.
type connectorOpts struct {
	// config is the path of config.yaml; the state, log and
	// failed_tables.log files live in the same folder.
	config string
}

// dir is the connector's folder: the one holding config.yaml.
func (o *connectorOpts) dir() string { return filepath.Dir(o.config) }

// newConnectorCmd is "trestle connector": the Delta Sharing client that lands
// shared tables in a destination.
func newConnectorCmd(g *globals) *cobra.Command {
	o := &connectorOpts{}
	cmd := &cobra.Command{
		Use:   "connector",
		Short: "Land Delta Sharing tables in a database, a bucket or a folder",
		Long: `The connector reads tables shared over Delta Sharing (by a Trestle hub or any other
Delta Sharing server, Databricks included) from a config.share profile and lands them in a
destination: PostgreSQL, MySQL/MariaDB, SQL Server, Snowflake, SQLite, Amazon S3, Azure Data
Lake / Fabric Lakehouse or a local folder (Parquet, CSV or Delta).

Start with "trestle connector setup", which writes config.yaml; then "trestle connector sync"
runs it, and "trestle connector schedule install" runs it on a schedule.`,
	}
	cmd.PersistentFlags().StringVar(&o.config, "config", "config.yaml", "the connector's config.yaml; its state, log and failed_tables.log live beside it")
	cmd.AddCommand(newConnectorSetupCmd(g, o), newConnectorSyncCmd(g, o), newConnectorStatusCmd(g, o),
		newConnectorScheduleCmd(g, o), newConnectorRunCmd(g, o), newConnectorServeCmd(g, o))
	return cmd
}
