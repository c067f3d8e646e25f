package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/trestle-dev/trestle/internal/connector/config"
)

// destinationFlags are the flags of each destination type's settings.
var destinationFlags = map[string][]string{
	"postgres":  {"postgres-dsn", "postgres-schema"},
	"sqlite":    {"sqlite-path"},
	"local":     {"local-path", "format"},
	"s3":        {"s3-bucket", "s3-prefix", "s3-region", "s3-endpoint", "s3-access-key", "s3-secret-key", "format"},
	"mysql":     {"mysql-dsn"},
	"sqlserver": {"sqlserver-host", "sqlserver-database", "sqlserver-schema", "sqlserver-user", "sqlserver-password", "sqlserver-dsn"},
	"snowflake": {"snowflake-account", "snowflake-user", "snowflake-auth", "snowflake-password", "snowflake-private-key",
		"snowflake-private-key-passphrase", "snowflake-warehouse", "snowflake-database", "snowflake-schema", "snowflake-role",
		"snowflake-threads"},
	"azure": {"azure-account", "azure-container", "azure-path", "azure-format", "azure-auth", "azure-account-key",
		"azure-sas-token", "azure-tenant-id", "azure-client-id", "azure-client-secret", "azure-endpoint"},
}

// authFlags are, per destination type with several ways to sign in, the
// flags each way uses; the flags of the other ways are refused.
var authFlags = map[string]map[string][]string{
	"snowflake": {"password": {"snowflake-password"}, "keypair": {"snowflake-private-key", "snowflake-private-key-passphrase"}},
	"azure": {"key": {"azure-account-key"}, "sas": {"azure-sas-token"},
		"service_principal": {"azure-tenant-id", "azure-client-id", "azure-client-secret"}, "default": nil},
}

// authTypes lists each destination type's ways to sign in, the default first.
var authTypes = map[string][]string{"snowflake": {"password", "keypair"}, "azure": {"key", "sas", "service_principal", "default"}}

// formats lists each destination type's file formats, the default first.
var formats = map[string][]string{"local": {"parquet", "csv", "delta"}, "s3": {"parquet", "delta"}, "azure": {"parquet", "delta"}}

const (
	// fabricEndpoint is OneLake's Blob endpoint: an azure destination whose
	// account is "onelake" (a Fabric lakehouse) gets it by default.
	fabricEndpoint = "https://onelake.blob.fabric.microsoft.com"
	// sqlServerDefaultSchema is the SQL Server schema setup writes when none is given.
	sqlServerDefaultSchema = "dbo"
	// snowflakeDefaultThreads is the Snowflake upload threads setup writes when none are given.
	snowflakeDefaultThreads = 4
)

// addDestinationFlags adds the flags of every destination type's settings.
func (s *setupOptions) addDestinationFlags(f *pflag.FlagSet) {
	f.StringVar(&s.destination, "destination", "", "destination type: postgres, sqlite, local, s3, mysql, sqlserver, snowflake or azure")
	f.StringVar(&s.pgDSN, "postgres-dsn", "", "PostgreSQL connection, postgres://user:password@host/db, or '${VAR}'")
	f.StringVar(&s.pgSchema, "postgres-schema", "", "PostgreSQL schema for the tables (default: the connection's)")
	f.StringVar(&s.sqlitePath, "sqlite-path", "", "SQLite database file")
	f.StringVar(&s.localPath, "local-path", "", "folder for the tables' files")
	f.StringVar(&s.format, "format", "", "file format: parquet (default), csv or delta for local; parquet or delta for s3")
	f.StringVar(&s.s3Bucket, "s3-bucket", "", "S3 bucket name, without s3://")
	f.StringVar(&s.s3Prefix, "s3-prefix", "", "S3 key prefix for the tables")
	f.StringVar(&s.s3Region, "s3-region", "", "S3 region, e.g. us-east-1")
	f.StringVar(&s.s3Endpoint, "s3-endpoint", "", "S3-compatible server URL (MinIO, R2...); blank for Amazon S3")
	f.StringVar(&s.s3AccessKey, "s3-access-key", "", "S3 access key, or '${AWS_ACCESS_KEY_ID}'; both keys blank: the AWS default credential chain")
	f.StringVar(&s.s3SecretKey, "s3-secret-key", "", "S3 secret key, or '${AWS_SECRET_ACCESS_KEY}' (the default when only the access key is given)")

	f.StringVar(&s.mysqlDSN, "mysql-dsn", "", "MySQL/MariaDB connection, user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db, or '${VAR}'")

	f.StringVar(&s.sqlHost, "sqlserver-host", "", "SQL Server host: host, host:port or host/instance")
	f.StringVar(&s.sqlDatabase, "sqlserver-database", "", "SQL Server database")
	f.StringVar(&s.sqlSchema, "sqlserver-schema", "", "SQL Server schema for the tables, created if missing (default dbo)")
	f.StringVar(&s.sqlUser, "sqlserver-user", "", "SQL Server login (SQL Server authentication)")
	f.StringVar(&s.sqlPassword, "sqlserver-password", "", "SQL Server password, or '${VAR}' (default '${MSSQL_PASSWORD}' when a user is given)")
	f.StringVar(&s.sqlDSN, "sqlserver-dsn", "", "SQL Server connection instead of host, database, user and password: sqlserver://user:password@host:1433?database=db, or '${VAR}'")

	f.StringVar(&s.sfAccount, "snowflake-account", "", "Snowflake account identifier, e.g. myorg-myaccount")
	f.StringVar(&s.sfUser, "snowflake-user", "", "Snowflake user")
	f.StringVar(&s.sfAuth, "snowflake-auth", "", "Snowflake authentication: password (default) or keypair")
	f.StringVar(&s.sfPassword, "snowflake-password", "", "Snowflake password, or '${VAR}' (default '${SNOWFLAKE_PASSWORD}' with password authentication)")
	f.StringVar(&s.sfKeyPath, "snowflake-private-key", "", "Snowflake private key file (PEM, PKCS#8 or PKCS#1, RSA) for keypair authentication")
	f.StringVar(&s.sfKeyPassphrase, "snowflake-private-key-passphrase", "", "passphrase of an encrypted Snowflake private key, or '${VAR}'")
	f.StringVar(&s.sfWarehouse, "snowflake-warehouse", "", "Snowflake warehouse that runs the loads")
	f.StringVar(&s.sfDatabase, "snowflake-database", "", "Snowflake database")
	f.StringVar(&s.sfSchema, "snowflake-schema", "", "Snowflake schema for the tables, which must exist (default PUBLIC)")
	f.StringVar(&s.sfRole, "snowflake-role", "", "Snowflake role (default: the user's default role)")
	f.StringVar(&s.sfThreads, "snowflake-threads", "", "Snowflake: files uploaded at once, 1 to 99 (default 4)")

	f.StringVar(&s.azAccount, "azure-account", "", "Azure storage account name; onelake for a Fabric lakehouse")
	f.StringVar(&s.azContainer, "azure-container", "", "Azure container (file system); for Fabric, the workspace")
	f.StringVar(&s.azPath, "azure-path", "", "Azure folder of the tables in the container; for Fabric \"<Lakehouse>.Lakehouse/Tables\" (Delta tables) or \"<Lakehouse>.Lakehouse/Files/...\"")
	f.StringVar(&s.azFormat, "azure-format", "", "Azure file format: parquet (default) or delta")
	f.StringVar(&s.azAuth, "azure-auth", "", "Azure sign-in: key, sas, service_principal or default (default: key with --azure-account-key, sas with --azure-sas-token, service_principal with --azure-client-id, else default: environment, managed identity, az login)")
	f.StringVar(&s.azKey, "azure-account-key", "", "Azure storage account key, or '${VAR}' (default '${AZURE_STORAGE_KEY}' with --azure-auth key)")
	f.StringVar(&s.azSAS, "azure-sas-token", "", "Azure SAS token, or '${VAR}' (default '${AZURE_STORAGE_SAS_TOKEN}' with --azure-auth sas)")
	f.StringVar(&s.azTenant, "azure-tenant-id", "", "Azure tenant (directory) id of the service principal")
	f.StringVar(&s.azClient, "azure-client-id", "", "Azure client (application) id of the service principal")
	f.StringVar(&s.azSecret, "azure-client-secret", "", "Azure client secret of the service principal, or '${VAR}' (default '${AZURE_CLIENT_SECRET}')")
	f.StringVar(&s.azEndpoint, "azure-endpoint", "", "Azure Blob service URL (default https://<account>.blob.core.windows.net); Fabric uses "+
		fabricEndpoint+" (the default for account onelake) with the workspace as container and \"<Lakehouse>.Lakehouse/Tables\" or \"/Files\" as path")
}

// secrets are the settings setup never shows back: in accessible mode their
// current value is not printed.
func (s *setupOptions) secrets() []*string {
	return []*string{&s.pgDSN, &s.s3AccessKey, &s.s3SecretKey, &s.mysqlDSN, &s.sqlDSN, &s.sqlPassword,
		&s.sfPassword, &s.sfKeyPassphrase, &s.azKey, &s.azSAS, &s.azSecret}
}

// fillDestination takes the existing destination's settings for the flags
// not given (set skips those that were).
func (s *setupOptions) fillDestination(d config.Destination, set func(flag string, dst *string, v string), changed func(string) bool) {
	if p := d.Postgres; p != nil {
		set("postgres-dsn", &s.pgDSN, p.DSN)
		set("postgres-schema", &s.pgSchema, p.Schema)
	}
	if p := d.SQLite; p != nil {
		set("sqlite-path", &s.sqlitePath, p.Path)
	}
	if p := d.Local; p != nil {
		set("local-path", &s.localPath, p.Path)
		set("format", &s.format, p.Format)
	}
	if p := d.S3; p != nil {
		set("s3-bucket", &s.s3Bucket, p.Bucket)
		set("s3-prefix", &s.s3Prefix, p.Prefix)
		set("s3-region", &s.s3Region, p.Region)
		set("s3-endpoint", &s.s3Endpoint, p.Endpoint)
		set("s3-access-key", &s.s3AccessKey, p.AccessKey)
		set("s3-secret-key", &s.s3SecretKey, p.SecretKey)
		set("format", &s.format, p.Format)
	}
	if p := d.MySQL; p != nil {
		set("mysql-dsn", &s.mysqlDSN, p.DSN)
	}
	if p := d.SQLServer; p != nil {
		set("sqlserver-dsn", &s.sqlDSN, p.DSN)
		set("sqlserver-host", &s.sqlHost, p.Host)
		set("sqlserver-database", &s.sqlDatabase, p.Database)
		set("sqlserver-schema", &s.sqlSchema, p.Schema)
		set("sqlserver-user", &s.sqlUser, p.User)
		set("sqlserver-password", &s.sqlPassword, p.Password)
		// A DSN given replaces the kept connection fields; connection fields
		// given replace a kept DSN.
		fields := map[string]*string{"sqlserver-host": &s.sqlHost, "sqlserver-database": &s.sqlDatabase,
			"sqlserver-user": &s.sqlUser, "sqlserver-password": &s.sqlPassword}
		if changed("sqlserver-dsn") && s.sqlDSN != "" {
			for flag, v := range fields {
				if !changed(flag) {
					*v = ""
				}
			}
		} else if !changed("sqlserver-dsn") && slices.ContainsFunc([]string{"sqlserver-host", "sqlserver-database", "sqlserver-user", "sqlserver-password"}, changed) {
			s.sqlDSN = ""
		}
	}
	if p := d.Snowflake; p != nil {
		set("snowflake-account", &s.sfAccount, p.Account)
		set("snowflake-user", &s.sfUser, p.User)
		set("snowflake-auth", &s.sfAuth, p.Auth)
		set("snowflake-password", &s.sfPassword, p.Password)
		set("snowflake-private-key", &s.sfKeyPath, p.PrivateKeyPath)
		set("snowflake-private-key-passphrase", &s.sfKeyPassphrase, p.PrivateKeyPassphrase)
		set("snowflake-warehouse", &s.sfWarehouse, p.Warehouse)
		set("snowflake-database", &s.sfDatabase, p.Database)
		set("snowflake-schema", &s.sfSchema, p.Schema)
		set("snowflake-role", &s.sfRole, p.Role)
		threads := ""
		if p.Threads > 0 {
			threads = strconv.Itoa(p.Threads)
		}
		set("snowflake-threads", &s.sfThreads, threads)
	}
	if p := d.Azure; p != nil {
		set("azure-account", &s.azAccount, p.Account)
		set("azure-container", &s.azContainer, p.Container)
		set("azure-path", &s.azPath, p.Path)
		set("azure-format", &s.azFormat, p.Format)
		set("azure-auth", &s.azAuth, p.Auth)
		set("azure-account-key", &s.azKey, p.AccountKey)
		set("azure-sas-token", &s.azSAS, p.SASToken)
		set("azure-tenant-id", &s.azTenant, p.TenantID)
		set("azure-client-id", &s.azClient, p.ClientID)
		set("azure-client-secret", &s.azSecret, p.ClientSecret)
		set("azure-endpoint", &s.azEndpoint, p.Endpoint)
	}
}

// buildDestination checks the destination's answers and makes its settings.
// need adds a missing setting (its flag and a hint); bad a wrong one. flags,
// when set, are the flags given, to refuse settings of another destination
// type or sign-in method.
func (s *setupOptions) buildDestination(flags *pflag.FlagSet, need func(string), bad func(string, ...any)) config.Destination {
	s.destination, s.format, s.azFormat = strings.ToLower(s.destination), strings.ToLower(s.format), strings.ToLower(s.azFormat)
	s.sfAuth, s.azAuth = strings.ToLower(s.sfAuth), strings.ToLower(s.azAuth)
	// fromEnv fills a blank secret with a ${VAR} reference, noted for the user.
	fromEnv := func(v *string, what, name string) {
		if *v == "" {
			*v = "${" + name + "}"
			s.envDefaults = append(s.envDefaults, what+" from ${"+name+"}")
		}
	}
	d := config.Destination{Type: s.destination}
	switch s.destination {
	case "":
		need("--destination (" + strings.Join(config.Types, ", ") + ")")
	case "postgres":
		if s.pgDSN == "" {
			need("--postgres-dsn (postgres://user:password@host/db, or '${VAR}')")
		}
		d.Postgres = &config.PostgresConfig{DSN: s.pgDSN, Schema: s.pgSchema}
	case "sqlite":
		if s.sqlitePath == "" {
			need("--sqlite-path (the database file)")
		}
		d.SQLite = &config.SQLiteConfig{Path: absPath(s.sqlitePath)}
	case "local":
		if s.localPath == "" {
			need("--local-path (the folder for the tables)")
		}
		d.Local = &config.LocalConfig{Path: absPath(s.localPath), Format: s.format}
	case "s3":
		bucket := strings.TrimSuffix(strings.TrimPrefix(s.s3Bucket, "s3://"), "/")
		if bucket == "" {
			need("--s3-bucket (the bucket name, without s3://)")
		} else if strings.Contains(bucket, "/") {
			bad("--s3-bucket: %q is more than a bucket name: give the rest as --s3-prefix", s.s3Bucket)
		}
		// One key without the other: the other is read from the environment.
		if s.s3AccessKey != "" {
			fromEnv(&s.s3SecretKey, "the S3 secret key", "AWS_SECRET_ACCESS_KEY")
		} else if s.s3SecretKey != "" {
			fromEnv(&s.s3AccessKey, "the S3 access key", "AWS_ACCESS_KEY_ID")
		}
		d.S3 = &config.S3Config{Bucket: bucket, Prefix: s.s3Prefix, Region: s.s3Region, Endpoint: s.s3Endpoint,
			Format: s.format, AccessKey: s.s3AccessKey, SecretKey: s.s3SecretKey}
	case "mysql":
		if s.mysqlDSN == "" {
			need("--mysql-dsn (user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db, or '${VAR}')")
		}
		d.MySQL = &config.MySQLConfig{DSN: s.mysqlDSN}
	case "sqlserver":
		if s.sqlDSN != "" {
			if given := nonBlank(map[string]string{"--sqlserver-host": s.sqlHost, "--sqlserver-database": s.sqlDatabase,
				"--sqlserver-user": s.sqlUser, "--sqlserver-password": s.sqlPassword}); len(given) > 0 {
				bad("--sqlserver-dsn: give either the DSN or %s, not both", strings.Join(given, ", "))
			}
		} else {
			if s.sqlHost == "" {
				need("--sqlserver-host (host, host:port or host/instance; or --sqlserver-dsn)")
			}
			if s.sqlDatabase == "" {
				need("--sqlserver-database")
			}
			if s.sqlUser != "" {
				fromEnv(&s.sqlPassword, "the SQL Server password", "MSSQL_PASSWORD")
			} else if s.sqlPassword != "" {
				need("--sqlserver-user (the login of --sqlserver-password)")
			}
		}
		if s.sqlSchema == "" {
			s.sqlSchema = sqlServerDefaultSchema
		}
		d.SQLServer = &config.SQLServerConfig{DSN: s.sqlDSN, Host: s.sqlHost, Database: s.sqlDatabase,
			User: s.sqlUser, Password: s.sqlPassword, Schema: s.sqlSchema}
	case "snowflake":
		for _, f := range []struct{ v, flag string }{{s.sfAccount, "--snowflake-account (the account identifier, e.g. myorg-myaccount)"},
			{s.sfUser, "--snowflake-user"}, {s.sfWarehouse, "--snowflake-warehouse"}, {s.sfDatabase, "--snowflake-database"}} {
			if f.v == "" {
				need(f.flag)
			}
		}
		if s.sfAuth == "" {
			s.sfAuth = "password"
		}
		s.checkAuth(flags, bad)
		switch s.sfAuth {
		case "password":
			s.sfKeyPath, s.sfKeyPassphrase = "", ""
			fromEnv(&s.sfPassword, "the Snowflake password", "SNOWFLAKE_PASSWORD")
		case "keypair":
			s.sfPassword = ""
			s.sfKeyPath = absPath(s.sfKeyPath)
			if s.sfKeyPath == "" {
				need("--snowflake-private-key (the private key file, with --snowflake-auth keypair)")
			} else if err := validateKeyFile(s.sfKeyPath); err != nil {
				bad("--snowflake-private-key: %v", err)
			}
		}
		threads := snowflakeDefaultThreads
		if s.sfThreads != "" {
			n, err := validateThreads(s.sfThreads)
			if err != nil {
				bad("--snowflake-threads: %v", err)
			}
			threads = n
		}
		d.Snowflake = &config.SnowflakeConfig{Account: s.sfAccount, User: s.sfUser, Auth: s.sfAuth, Password: s.sfPassword,
			PrivateKeyPath: s.sfKeyPath, PrivateKeyPassphrase: s.sfKeyPassphrase, Warehouse: s.sfWarehouse,
			Database: s.sfDatabase, Schema: s.sfSchema, Role: s.sfRole, Threads: threads}
	case "azure":
		if s.azAccount == "" {
			need("--azure-account (the storage account name; onelake for Fabric)")
		}
		if s.azContainer == "" {
			need("--azure-container (the container; for Fabric, the workspace)")
		}
		s.azPath = strings.Trim(s.azPath, "/")
		if s.azEndpoint == "" && strings.EqualFold(s.azAccount, "onelake") {
			s.azEndpoint = fabricEndpoint
		}
		if s.azAuth == "" {
			s.azAuth = s.impliedAzureAuth()
		}
		s.checkAuth(flags, bad)
		for auth, names := range authFlags["azure"] { // drop the settings of the other ways
			if auth != s.azAuth {
				for _, name := range names {
					*s.azureAuthField(name) = ""
				}
			}
		}
		switch s.azAuth {
		case "key":
			fromEnv(&s.azKey, "the Azure account key", "AZURE_STORAGE_KEY")
		case "sas":
			fromEnv(&s.azSAS, "the Azure SAS token", "AZURE_STORAGE_SAS_TOKEN")
		case "service_principal":
			if s.azTenant == "" {
				need("--azure-tenant-id (with --azure-auth service_principal)")
			}
			if s.azClient == "" {
				need("--azure-client-id (with --azure-auth service_principal)")
			}
			fromEnv(&s.azSecret, "the Azure client secret", "AZURE_CLIENT_SECRET")
		}
		d.Azure = &config.AzureConfig{Account: s.azAccount, Container: s.azContainer, Path: s.azPath, Endpoint: s.azEndpoint,
			Format: s.azFormat, Auth: s.azAuth, AccountKey: s.azKey, SASToken: s.azSAS,
			TenantID: s.azTenant, ClientID: s.azClient, ClientSecret: s.azSecret}
	default:
		bad("--destination: %q is not one of %s", s.destination, strings.Join(config.Types, ", "))
	}
	formatFlag, format := "format", s.format
	if s.destination == "azure" {
		formatFlag, format = "azure-format", s.azFormat
	}
	if fs, ok := formats[s.destination]; ok && format != "" && !slices.Contains(fs, format) {
		bad("--%s: %q is not a format of the %s destination; use %s", formatFlag, format, s.destination, strings.Join(fs, ", "))
	}
	if own, ok := destinationFlags[s.destination]; ok && flags != nil {
		flags.Visit(func(f *pflag.Flag) { // in name order
			for _, names := range destinationFlags {
				if slices.Contains(names, f.Name) && !slices.Contains(own, f.Name) {
					bad("--%s: is not a setting of the %s destination", f.Name, s.destination)
					return
				}
			}
		})
	}
	return d
}

// checkAuth checks the sign-in method of a destination that has several,
// and, with flags, that no flag of another method was given.
func (s *setupOptions) checkAuth(flags *pflag.FlagSet, bad func(string, ...any)) {
	auth := map[string]string{"snowflake": s.sfAuth, "azure": s.azAuth}[s.destination]
	uses, ok := authFlags[s.destination][auth]
	if !ok {
		bad("--%s-auth: %q is not %s", s.destination, auth, orList(authTypes[s.destination]))
		return
	}
	if flags == nil {
		return
	}
	for other, names := range authFlags[s.destination] {
		for _, name := range names {
			if other != auth && !slices.Contains(uses, name) && flags.Changed(name) {
				bad("--%s: is not used with --%s-auth %s", name, s.destination, auth)
			}
		}
	}
}

// impliedAzureAuth is the Azure sign-in the given secrets imply, as the
// connector reads a config without auth.
func (s *setupOptions) impliedAzureAuth() string {
	switch {
	case s.azKey != "":
		return "key"
	case s.azSAS != "":
		return "sas"
	case s.azClient != "" || s.azTenant != "" || s.azSecret != "":
		return "service_principal"
	}
	return "default"
}

// azureAuthField is the answer of an Azure sign-in flag.
func (s *setupOptions) azureAuthField(flag string) *string {
	return map[string]*string{"azure-account-key": &s.azKey, "azure-sas-token": &s.azSAS, "azure-tenant-id": &s.azTenant,
		"azure-client-id": &s.azClient, "azure-client-secret": &s.azSecret}[flag]
}

// literalSecrets names the secret settings written as values, not ${VAR}.
func (s *setupOptions) literalSecrets() []string {
	var out []string
	literal := func(v string) bool { return v != "" && !strings.Contains(v, "${") }
	switch s.destination {
	case "postgres":
		if u, err := url.Parse(s.pgDSN); literal(s.pgDSN) &&
			(strings.Contains(s.pgDSN, "password=") || err == nil && u.User != nil && u.User.String() != u.User.Username()) {
			out = append(out, "the PostgreSQL DSN's password")
		}
	case "s3":
		if literal(s.s3SecretKey) {
			out = append(out, "the S3 secret key")
		}
	case "mysql":
		if literal(s.mysqlDSN) && mysqlDSNHasPassword(s.mysqlDSN) {
			out = append(out, "the MySQL DSN's password")
		}
	case "sqlserver":
		if u, err := url.Parse(s.sqlDSN); literal(s.sqlDSN) && (strings.Contains(strings.ToLower(s.sqlDSN), "password=") ||
			err == nil && u.User != nil && u.User.String() != u.User.Username()) {
			out = append(out, "the SQL Server DSN's password")
		}
		if literal(s.sqlPassword) {
			out = append(out, "the SQL Server password")
		}
	case "snowflake":
		if literal(s.sfPassword) {
			out = append(out, "the Snowflake password")
		}
		if literal(s.sfKeyPassphrase) {
			out = append(out, "the Snowflake private key passphrase")
		}
	case "azure":
		for _, v := range []struct{ v, what string }{{s.azKey, "the Azure account key"}, {s.azSAS, "the Azure SAS token"},
			{s.azSecret, "the Azure client secret"}} {
			if literal(v.v) {
				out = append(out, v.what)
			}
		}
	}
	return out
}

// mysqlDSNHasPassword reports whether a MySQL DSN, in URL or go-sql-driver
// form (user:password@tcp(host)/db), holds a password.
func mysqlDSNHasPassword(dsn string) bool {
	if strings.HasPrefix(dsn, "mysql://") {
		u, err := url.Parse(dsn)
		return err != nil || u.User != nil && u.User.String() != u.User.Username()
	}
	at := strings.LastIndex(dsn, "@")
	return at > 0 && strings.Contains(dsn[:at], ":")
}

// nonBlank lists, sorted, the names whose values are set.
func nonBlank(values map[string]string) []string {
	var out []string
	for name, v := range values {
		if v != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// validateKeyFile checks that a private key file exists and is a file;
// ${VAR} references are checked when the connector runs.
func validateKeyFile(path string) error {
	path = strings.TrimSpace(path)
	if path == "" {
		return errors.New("give the path of the private key file")
	}
	if strings.Contains(path, "${") {
		return nil
	}
	fi, err := os.Stat(expandHome(path))
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a folder: give the private key file", path)
	}
	return nil
}

// validateThreads parses Snowflake's upload threads, 1 to 99.
func validateThreads(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > 99 {
		return 0, fmt.Errorf("%q is not a number from 1 to 99", v)
	}
	return n, nil
}

// destinationSummary names the destination's settings without secrets.
func (s *setupOptions) destinationSummary() string {
	dest := s.destination
	for _, v := range []string{s.pgSchema, s.sqlitePath, s.localPath, s.s3Bucket, s.s3Prefix, s.sqlHost, s.sqlDatabase,
		s.sfAccount, s.sfDatabase, s.sfSchema, s.azAccount, s.azContainer, s.azPath} {
		if v != "" {
			dest += " " + v
		}
	}
	return dest
}
