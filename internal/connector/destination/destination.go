// Package destination opens the sink a connector's config.yaml names: it is
// the one place that knows every destination package.
package destination

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/trestle-dev/trestle/internal/connector/config"
	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/local"
	"github.com/trestle-dev/trestle/internal/connector/sink/postgres"
	s3sink "github.com/trestle-dev/trestle/internal/connector/sink/s3"
	"github.com/trestle-dev/trestle/internal/connector/sink/sqlite"
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
	case "local":
		if d.Local == nil {
			break
		}
		return local.New(abs(d.Local.Path), d.Local.Format)
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
	case d.Type == "local" && d.Local != nil:
		return fmt.Sprintf("folder %s (%s)", d.Local.Path, orDefault(d.Local.Format, "parquet"))
	case d.Type == "s3" && d.S3 != nil:
		return fmt.Sprintf("s3://%s/%s (%s)", d.S3.Bucket, d.S3.Prefix, orDefault(d.S3.Format, "parquet"))
	}
	return d.Type
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
