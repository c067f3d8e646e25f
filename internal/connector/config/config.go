// Package config is the connector's config.yaml: which profile to read, which
// tables, the destination and its settings, the sync mode and the schedule.
// Secrets need not be written in the file: any string value may be ${VAR},
// read from the environment when the file is loaded.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FileName is the connector's configuration file name.
const FileName = "config.yaml"

// EnvFileName is the optional file beside config.yaml that gives ${VAR}
// values (KEY=VALUE lines) to runs that do not inherit a shell's
// environment: cron, Task Scheduler, services. The environment wins over it.
const EnvFileName = "connector.env"

// Config is config.yaml.
type Config struct {
	// Profile is the Delta Sharing profile file (config.share), relative to
	// the config file's folder unless absolute.
	Profile string `yaml:"profile"`
	// Tables selects tables as share.schema.table; empty means every table
	// the profile can read.
	Tables []string `yaml:"tables,omitempty"`
	// Mode is "incremental" (the default: the change data feed when the
	// table has one, else full) or "full" (reload every run).
	Mode string `yaml:"mode,omitempty"`
	// Concurrency is how many tables sync at once (default 2).
	Concurrency int `yaml:"concurrency,omitempty"`
	// Downloads is how many data files of one table download at once
	// (default 4).
	Downloads int `yaml:"downloads,omitempty"`
	// TableNames names destination tables: a template of {share}, {schema}
	// and {table} (default "{share}__{table}"), lower-cased, with characters
	// other than letters, digits and '_' replaced by '_'.
	TableNames string `yaml:"table_names,omitempty"`
	// Keys gives the primary-key columns of tables (share.schema.table ->
	// columns) whose key the share does not declare; incremental syncs apply
	// changes by key. Without a declared key, a column "id" is the key; a
	// table with neither is reloaded in full.
	Keys map[string][]string `yaml:"keys,omitempty"`
	// Destination is where tables land.
	Destination Destination `yaml:"destination"`
	// Schedule is when "trestle connector run" and the installed schedule sync.
	Schedule Schedule `yaml:"schedule,omitempty"`

	dir string
}

// Destination names a destination type and its settings.
type Destination struct {
	// Type is one of Types.
	Type      string           `yaml:"type"`
	Postgres  *PostgresConfig  `yaml:"postgres,omitempty"`
	SQLite    *SQLiteConfig    `yaml:"sqlite,omitempty"`
	Local     *LocalConfig     `yaml:"local,omitempty"`
	S3        *S3Config        `yaml:"s3,omitempty"`
	MySQL     *MySQLConfig     `yaml:"mysql,omitempty"`
	SQLServer *SQLServerConfig `yaml:"sqlserver,omitempty"`
	Snowflake *SnowflakeConfig `yaml:"snowflake,omitempty"`
	Azure     *AzureConfig     `yaml:"azure,omitempty"`
}

// Types lists the destination types this connector knows.
var Types = []string{"postgres", "sqlite", "local", "s3", "mysql", "sqlserver", "snowflake", "azure"}

// PostgresConfig is a PostgreSQL destination.
type PostgresConfig struct {
	DSN    string `yaml:"dsn"`
	Schema string `yaml:"schema,omitempty"`
}

// SQLiteConfig is a SQLite database file.
type SQLiteConfig struct {
	Path string `yaml:"path"`
}

// LocalConfig is a folder of Parquet, CSV or Delta tables.
type LocalConfig struct {
	Path   string `yaml:"path"`
	Format string `yaml:"format,omitempty"` // parquet (default), csv, delta
}

// S3Config is a bucket and prefix of Parquet objects or Delta tables.
type S3Config struct {
	Bucket   string `yaml:"bucket"`
	Prefix   string `yaml:"prefix,omitempty"`
	Region   string `yaml:"region,omitempty"`
	Endpoint string `yaml:"endpoint,omitempty"`
	Format   string `yaml:"format,omitempty"` // parquet (default), delta
	// AccessKey and SecretKey, usually ${AWS_ACCESS_KEY_ID} and
	// ${AWS_SECRET_ACCESS_KEY}; empty means the AWS default chain.
	AccessKey string `yaml:"access_key,omitempty"`
	SecretKey string `yaml:"secret_key,omitempty"`
}

// MySQLConfig is a MySQL or MariaDB database.
type MySQLConfig struct {
	// DSN is "user:pass@tcp(host:3306)/database" (go-sql-driver form) or
	// "mysql://user:pass@host:3306/database".
	DSN string `yaml:"dsn"`
}

// SQLServerConfig is a Microsoft SQL Server (or Azure SQL) database.
type SQLServerConfig struct {
	// DSN is "sqlserver://user:pass@host:1433?database=db"; when empty, Host,
	// Database, User and Password make it.
	DSN      string `yaml:"dsn,omitempty"`
	Host     string `yaml:"host,omitempty"`
	Database string `yaml:"database,omitempty"`
	User     string `yaml:"user,omitempty"`
	Password string `yaml:"password,omitempty"`
	// Schema holds the tables (default dbo).
	Schema string `yaml:"schema,omitempty"`
}

// SnowflakeConfig is a Snowflake database and schema.
type SnowflakeConfig struct {
	// Account is the account identifier ("myorg-myaccount").
	Account string `yaml:"account"`
	User    string `yaml:"user"`
	// Auth is "password" (the default) or "keypair".
	Auth     string `yaml:"auth,omitempty"`
	Password string `yaml:"password,omitempty"`
	// PrivateKeyPath is a PEM file (PKCS#8, encrypted or not) for keypair
	// authentication; PrivateKeyPassphrase decrypts it.
	PrivateKeyPath       string `yaml:"private_key_path,omitempty"`
	PrivateKeyPassphrase string `yaml:"private_key_passphrase,omitempty"`
	Warehouse            string `yaml:"warehouse"`
	Database             string `yaml:"database"`
	Schema               string `yaml:"schema,omitempty"` // default PUBLIC
	Role                 string `yaml:"role,omitempty"`
	// Threads is how many files upload at once (default 4).
	Threads int `yaml:"threads,omitempty"`
}

// AzureConfig is a container (or Fabric lakehouse) and path of Azure Data
// Lake Storage Gen2 / Blob Storage, holding Parquet folders or Delta tables.
type AzureConfig struct {
	// Account is the storage account name ("contoso"); for Fabric, "onelake".
	Account string `yaml:"account"`
	// Container is the container (file system); for Fabric, the workspace.
	Container string `yaml:"container"`
	// Path is the folder of the tables in the container ("exports/acme"; for
	// Fabric "MyLakehouse.Lakehouse/Tables").
	Path string `yaml:"path,omitempty"`
	// Endpoint overrides the service URL (Azurite, sovereign clouds, Fabric's
	// https://onelake.blob.fabric.microsoft.com).
	Endpoint string `yaml:"endpoint,omitempty"`
	// Format is parquet (the default) or delta.
	Format string `yaml:"format,omitempty"`
	// Auth is "key" (AccountKey), "sas" (SASToken), "service_principal"
	// (TenantID, ClientID, ClientSecret) or "default" (the Azure default
	// credential chain: environment, managed identity, Azure CLI). Empty means
	// key when AccountKey is set, sas when SASToken is, else default.
	Auth         string `yaml:"auth,omitempty"`
	AccountKey   string `yaml:"account_key,omitempty"`
	SASToken     string `yaml:"sas_token,omitempty"`
	TenantID     string `yaml:"tenant_id,omitempty"`
	ClientID     string `yaml:"client_id,omitempty"`
	ClientSecret string `yaml:"client_secret,omitempty"`
}

// Schedule is a cron expression ("0 2 * * *": every day at 02:00).
type Schedule struct {
	Cron string `yaml:"cron,omitempty"`
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Load reads and checks a config file, expanding ${VAR} references.
func Load(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connector config: %w", err)
	}
	extra, err := readEnvFile(filepath.Join(filepath.Dir(path), EnvFileName))
	if err != nil {
		return nil, err
	}
	expanded, err := expandEnv(raw, extra)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	c.dir = filepath.Dir(path)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// expandEnv replaces ${VAR} in the file's values (not its comments) with the
// environment's values.
func expandEnv(raw []byte, extra map[string]string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var missing []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
			n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
				name := envRef.FindStringSubmatch(m)[1]
				v, ok := os.LookupEnv(name)
				if !ok {
					v, ok = extra[name]
				}
				if !ok {
					missing = append(missing, name)
				}
				return v
			})
			n.Style = yaml.DoubleQuotedStyle
			n.Tag = "!!str"
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variable(s) %s are not set (set them, or write NAME=value lines in %s beside the config)", strings.Join(missing, ", "), EnvFileName)
	}
	if doc.Kind == 0 {
		return raw, nil
	}
	return yaml.Marshal(&doc)
}

// ProfilePath is the profile file's path, resolved against the config's folder.
func (c *Config) ProfilePath() string {
	if filepath.IsAbs(c.Profile) || c.dir == "" {
		return c.Profile
	}
	return filepath.Join(c.dir, c.Profile)
}

// Validate checks the settings and reports every problem.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Profile == "" {
		add("profile: is required: the path of the config.share profile file")
	}
	for i, t := range c.Tables {
		if parts := strings.Split(t, "."); len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			add("tables[%d]: %q is not share.schema.table", i, t)
		}
	}
	switch c.Mode {
	case "", "incremental", "full":
	default:
		add("mode: %q is not a sync mode; use incremental or full", c.Mode)
	}
	if c.Concurrency < 0 || c.Concurrency > 64 {
		add("concurrency: %d is out of range 1..64", c.Concurrency)
	}
	if c.Downloads < 0 || c.Downloads > 64 {
		add("downloads: %d is out of range 1..64", c.Downloads)
	}
	if c.TableNames != "" && !strings.Contains(c.TableNames, "{table}") {
		add("table_names: %q must contain {table}, or two tables would land in one", c.TableNames)
	}
	for t, cols := range c.Keys {
		if parts := strings.Split(t, "."); len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			add("keys: %q is not share.schema.table", t)
		}
		if len(cols) == 0 {
			add("keys.%s: list at least one column", t)
		}
	}
	d := c.Destination
	switch d.Type {
	case "postgres":
		if d.Postgres == nil || d.Postgres.DSN == "" {
			add("destination.postgres.dsn: is required (postgres://user:pass@host/db; ${VAR} reads it from the environment)")
		}
	case "sqlite":
		if d.SQLite == nil || d.SQLite.Path == "" {
			add("destination.sqlite.path: is required")
		}
	case "local":
		if d.Local == nil || d.Local.Path == "" {
			add("destination.local.path: is required")
		} else if f := d.Local.Format; f != "" && f != "parquet" && f != "csv" && f != "delta" {
			add("destination.local.format: %q is not parquet, csv or delta", f)
		}
	case "s3":
		if d.S3 == nil || d.S3.Bucket == "" {
			add("destination.s3.bucket: is required (the bucket name, without s3://)")
		} else if f := d.S3.Format; f != "" && f != "parquet" && f != "delta" {
			add("destination.s3.format: %q is not parquet or delta", f)
		}
	case "mysql":
		if d.MySQL == nil || d.MySQL.DSN == "" {
			add("destination.mysql.dsn: is required (user:pass@tcp(host:3306)/db or mysql://user:pass@host/db)")
		}
	case "sqlserver":
		if d.SQLServer == nil || d.SQLServer.DSN == "" && (d.SQLServer.Host == "" || d.SQLServer.Database == "") {
			add("destination.sqlserver: give dsn (sqlserver://user:pass@host?database=db), or host and database")
		}
	case "snowflake":
		validSnowflake(d.Snowflake, add)
	case "azure":
		validAzure(d.Azure, add)
	case "":
		add("destination.type: is required: one of %s", strings.Join(Types, ", "))
	default:
		add("destination.type: %q is not one of %s", d.Type, strings.Join(Types, ", "))
	}
	if c.Schedule.Cron != "" && len(strings.Fields(c.Schedule.Cron)) != 5 {
		add("schedule.cron: %q is not a five-field cron expression like \"0 2 * * *\"", c.Schedule.Cron)
	}
	return errors.Join(errs...)
}

// Save writes the config to path, readable by its owner only (0600), through
// a temporary file renamed into place.
func (c *Config) Save(path string) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	b = append([]byte("# Trestle connector configuration (trestle connector setup writes it).\n# Any value may be ${VAR}: read from the environment when the connector runs.\n"), b...)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(b)
		if err == nil {
			err = tmp.Close()
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		return err
	}
	tmp.Close()
	return err
}

// readEnvFile reads KEY=VALUE lines (blank lines and # comments skipped,
// values optionally in single or double quotes); a missing file is empty.
func readEnvFile(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := map[string]string{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !envName.MatchString(k) {
			return nil, fmt.Errorf("%s:%d: not a NAME=value line", path, i+1)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out, nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validSnowflake(s *SnowflakeConfig, add func(string, ...any)) {
	if s == nil {
		add("destination.snowflake: account, user, warehouse and database are required")
		return
	}
	for _, f := range []struct{ name, v string }{{"account", s.Account}, {"user", s.User}, {"warehouse", s.Warehouse}, {"database", s.Database}} {
		if f.v == "" {
			add("destination.snowflake.%s: is required", f.name)
		}
	}
	switch s.Auth {
	case "", "password":
		if s.Password == "" {
			add("destination.snowflake.password: is required with password authentication (or set auth: keypair)")
		}
	case "keypair":
		if s.PrivateKeyPath == "" {
			add("destination.snowflake.private_key_path: is required with keypair authentication")
		}
	default:
		add("destination.snowflake.auth: %q is not password or keypair", s.Auth)
	}
	if s.Threads < 0 || s.Threads > 99 {
		add("destination.snowflake.threads: %d is out of range 1..99", s.Threads)
	}
}

func validAzure(a *AzureConfig, add func(string, ...any)) {
	if a == nil {
		add("destination.azure: account and container are required")
		return
	}
	if a.Account == "" {
		add("destination.azure.account: is required (the storage account name; onelake for Fabric)")
	}
	if a.Container == "" {
		add("destination.azure.container: is required (the container; for Fabric, the workspace)")
	}
	if f := a.Format; f != "" && f != "parquet" && f != "delta" {
		add("destination.azure.format: %q is not parquet or delta", f)
	}
	switch a.Auth {
	case "", "default":
	case "key":
		if a.AccountKey == "" {
			add("destination.azure.account_key: is required with auth: key")
		}
	case "sas":
		if a.SASToken == "" {
			add("destination.azure.sas_token: is required with auth: sas")
		}
	case "service_principal":
		if a.TenantID == "" || a.ClientID == "" || a.ClientSecret == "" {
			add("destination.azure: tenant_id, client_id and client_secret are required with auth: service_principal")
		}
	default:
		add("destination.azure.auth: %q is not key, sas, service_principal or default", a.Auth)
	}
}
