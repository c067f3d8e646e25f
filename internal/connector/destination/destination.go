// Package destination opens the sink a connector's config.yaml names: it is
// the one place that knows every destination package.
package destination

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	azuresink "github.com/trestle-dev/trestle/internal/connector/sink/azure"
	"github.com/trestle-dev/trestle/internal/connector/sink/local"
	mysqlsink "github.com/trestle-dev/trestle/internal/connector/sink/mysql"
	"github.com/trestle-dev/trestle/internal/connector/sink/postgres"
	s3sink "github.com/trestle-dev/trestle/internal/connector/sink/s3"
	snowflakesink "github.com/trestle-dev/trestle/internal/connector/sink/snowflake"
	"github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
	"github.com/trestle-dev/trestle/internal/connector/sink/sqlserver"
)

// Open opens the destination of cfg. Relative paths (SQLite file, local
// folder) are resolved against dir, the config's folder.
func Open(ctx context.Context, d config.Destination, dir string) (sink.Sink, error) {
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	switch d.Type {
	case "postgres":
		if d.Postgres == nil {
			break
		}
		return postgres.New(ctx, postgres.Options{DSN: d.Postgres.DSN, Schema: d.Postgres.Schema})
	case "sqlite":
		if d.SQLite == nil {
			break
		}
		return sqlite.New(ctx, sqlite.Options{Path: abs(d.SQLite.Path)})
	case "sqlserver":
		if d.SQLServer == nil {
			break
		}
		c := d.SQLServer
		return sqlserver.New(ctx, sqlserver.Options{DSN: c.DSN, Host: c.Host, Database: c.Database,
			User: c.User, Password: c.Password, Schema: c.Schema})
	case "mysql":
		if d.MySQL == nil {
			break
		}
		return mysqlsink.New(ctx, mysqlsink.Options{DSN: d.MySQL.DSN})
	case "local":
		if d.Local == nil {
			break
		}
		return local.New(abs(d.Local.Path), d.Local.Format)
	case "azure":
		if d.Azure == nil {
			break
		}
		return azuresink.New(ctx, azureOptions(d.Azure))
	case "snowflake":
		if d.Snowflake == nil {
			break
		}
		o := snowflakeOptions(d.Snowflake)
		if o.PrivateKeyPath != "" {
			o.PrivateKeyPath = abs(o.PrivateKeyPath)
		}
		return snowflakesink.New(ctx, o)
	case "s3":
		if d.S3 == nil {
			break
		}
		return s3sink.New(ctx, s3sink.Options{Bucket: d.S3.Bucket, Prefix: d.S3.Prefix, Region: d.S3.Region,
			Endpoint: d.S3.Endpoint, AccessKey: d.S3.AccessKey, SecretKey: d.S3.SecretKey, Format: d.S3.Format})
	}
	return nil, fmt.Errorf("destination %q is not configured in config.yaml", d.Type)
}

// Describe names the destination in one line, without secrets.
func Describe(d config.Destination) string {
	switch {
	case d.Type == "postgres" && d.Postgres != nil:
		return "PostgreSQL " + redactDSN(d.Postgres.DSN) + schemaSuffix(d.Postgres.Schema)
	case d.Type == "sqlite" && d.SQLite != nil:
		return "SQLite " + d.SQLite.Path
	case d.Type == "sqlserver" && d.SQLServer != nil:
		if d.SQLServer.DSN != "" {
			return "SQL Server " + redactDSN(d.SQLServer.DSN) + schemaSuffix(d.SQLServer.Schema)
		}
		return "SQL Server " + d.SQLServer.Host + " database " + d.SQLServer.Database + schemaSuffix(d.SQLServer.Schema)
	case d.Type == "mysql" && d.MySQL != nil:
		return "MySQL/MariaDB " + mysqlsink.RedactDSN(d.MySQL.DSN)
	case d.Type == "local" && d.Local != nil:
		return fmt.Sprintf("folder %s (%s)", d.Local.Path, orDefault(d.Local.Format, "parquet"))
	case d.Type == "azure" && d.Azure != nil:
		return fmt.Sprintf("%s (%s)", azuresink.Describe(azureOptions(d.Azure)), orDefault(d.Azure.Format, "parquet"))
	case d.Type == "snowflake" && d.Snowflake != nil:
		return snowflakesink.Describe(snowflakeOptions(d.Snowflake))
	case d.Type == "s3" && d.S3 != nil:
		return fmt.Sprintf("s3://%s/%s (%s)", d.S3.Bucket, d.S3.Prefix, orDefault(d.S3.Format, "parquet"))
	}
	return d.Type
}

// azureOptions are the Azure destination's options from its config.
func azureOptions(a *config.AzureConfig) azuresink.Options {
	return azuresink.Options{Account: a.Account, Container: a.Container, Path: a.Path, Endpoint: a.Endpoint,
		Format: a.Format, Auth: a.Auth, AccountKey: a.AccountKey, SASToken: a.SASToken,
		TenantID: a.TenantID, ClientID: a.ClientID, ClientSecret: a.ClientSecret}
}

// snowflakeOptions are the Snowflake destination's options from its config.
func snowflakeOptions(c *config.SnowflakeConfig) snowflakesink.Options {
	return snowflakesink.Options{Account: c.Account, User: c.User, Auth: c.Auth, Password: c.Password,
		PrivateKeyPath: c.PrivateKeyPath, PrivateKeyPassphrase: c.PrivateKeyPassphrase, Warehouse: c.Warehouse,
		Database: c.Database, Schema: c.Schema, Role: c.Role, Threads: c.Threads}
}

func schemaSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " schema " + s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
