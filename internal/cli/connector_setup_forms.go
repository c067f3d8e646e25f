package cli

// The setup wizard's destination questions (huh forms): the type, the sign-in
// method where there are several, and the settings.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/huh/v2"

	"github.com/trestle-dev/trestle/internal/connector/config"
)

// destinationTypeForm asks step 3's destination type.
func (w *setupWizard) destinationTypeForm() *huh.Form {
	if w.keepDestination {
		return nil
	}
	s := w.opts
	if !slices.Contains(config.Types, s.destination) {
		s.destination = "postgres"
	}
	return w.form(huh.NewGroup(huh.NewSelect[string]().Title("Destination").Options(
		huh.NewOption("PostgreSQL database", "postgres"),
		huh.NewOption("SQLite database file", "sqlite"),
		huh.NewOption("Local folder (Parquet, CSV or Delta)", "local"),
		huh.NewOption("Amazon S3 or an S3-compatible bucket (Parquet or Delta)", "s3"),
		huh.NewOption("MySQL or MariaDB database", "mysql"),
		huh.NewOption("Microsoft SQL Server or Azure SQL database", "sqlserver"),
		huh.NewOption("Snowflake", "snowflake"),
		huh.NewOption("Azure Data Lake / Blob Storage, or a Microsoft Fabric lakehouse (Parquet or Delta)", "azure"),
	).Value(&s.destination)).Title("3. Destination"))
}

// destinationAuthForm asks, for a destination with several ways to sign in,
// which one, so that the settings form asks only what that way needs.
func (w *setupWizard) destinationAuthForm() *huh.Form {
	s := w.opts
	if w.keepDestination || authTypes[s.destination] == nil {
		return nil
	}
	var sel *huh.Select[string]
	switch s.destination {
	case "snowflake":
		if !slices.Contains(authTypes["snowflake"], s.sfAuth) {
			s.sfAuth = "password"
		}
		sel = huh.NewSelect[string]().Title("Authentication").Options(
			huh.NewOption("User and password", "password"),
			huh.NewOption("Key pair (a private key file, with its passphrase if encrypted)", "keypair"),
		).Value(&s.sfAuth)
	case "azure":
		if !slices.Contains(authTypes["azure"], s.azAuth) {
			s.azAuth = s.impliedAzureAuth()
		}
		sel = huh.NewSelect[string]().Title("Sign in with").Options(
			huh.NewOption("The storage account key", "key"),
			huh.NewOption("A SAS token", "sas"),
			huh.NewOption("A service principal: tenant id, client id and secret (Fabric too)", "service_principal"),
			huh.NewOption("The Azure default credentials: AZURE_* environment, managed identity, az login", "default"),
		).Value(&s.azAuth)
	}
	return w.form(huh.NewGroup(sel).Title("3. Destination: " + s.destination + " sign-in"))
}

// destinationForm asks step 3's settings of the chosen destination type.
func (w *setupWizard) destinationForm() *huh.Form {
	if w.keepDestination {
		return nil
	}
	s := w.opts
	input := func(title, desc string, v *string, required bool) *huh.Input {
		if !required {
			return w.input(title, desc, v, nil)
		}
		return w.input(title, desc, v, func(x string) error {
			if strings.TrimSpace(x) == "" {
				return fmt.Errorf("%s is required", strings.ToLower(title))
			}
			return nil
		})
	}
	secret := func(title, desc string, v *string) *huh.Input {
		in := input(title, desc, v, false)
		if w.hideSecrets() {
			in.EchoMode(huh.EchoModePassword)
		}
		return in
	}
	format := func(kind string, v *string) *huh.Select[string] {
		if !slices.Contains(formats[kind], *v) {
			*v = formats[kind][0]
		}
		return huh.NewSelect[string]().Title("File format").Options(huh.NewOptions(formats[kind]...)...).Value(v)
	}
	var fields []huh.Field
	switch s.destination {
	case "postgres":
		fields = []huh.Field{
			input("DSN", "postgres://user:password@host:5432/db, or ${PG_DSN} to read it from the environment at each run", &s.pgDSN, true),
			input("Schema", "schema for the tables; blank for the connection's default", &s.pgSchema, false),
		}
	case "sqlite":
		fields = []huh.Field{input("Database file", "path of the SQLite file (created if missing)", &s.sqlitePath, true)}
	case "local":
		fields = []huh.Field{input("Folder", "where the tables' files go (created if missing)", &s.localPath, true), format("local", &s.format)}
	case "s3":
		fields = []huh.Field{
			input("Bucket", "the bucket name, without s3://", &s.s3Bucket, true),
			input("Prefix", "key prefix for the tables, e.g. trestle/; blank for the bucket's root", &s.s3Prefix, false),
			input("Region", "e.g. us-east-1; blank for the AWS default", &s.s3Region, false),
			input("Endpoint", "only for S3-compatible servers (MinIO, R2...): their URL; blank for Amazon S3", &s.s3Endpoint, false),
			input("Access key", "blank, with the secret key blank, for the AWS default credentials (environment, profile, role); or ${AWS_ACCESS_KEY_ID}", &s.s3AccessKey, false),
			secret("Secret key", "blank (with an access key) for ${AWS_SECRET_ACCESS_KEY}, read from the environment at each run", &s.s3SecretKey),
			format("s3", &s.format),
		}
	case "mysql":
		fields = []huh.Field{input("DSN", "user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db, or ${MYSQL_DSN} to read it from the environment at each run", &s.mysqlDSN, true)}
	case "sqlserver":
		unlessDSN := func(title string) func(string) error {
			return func(x string) error {
				if strings.TrimSpace(x) == "" && s.sqlDSN == "" {
					return fmt.Errorf("%s is required", strings.ToLower(title))
				}
				return nil
			}
		}
		if s.sqlSchema == "" {
			s.sqlSchema = sqlServerDefaultSchema
		}
		if s.sqlDSN != "" { // kept from config.yaml: offered, else the fields below
			fields = append(fields, input("DSN", "sqlserver://user:password@host:1433?database=db or ${VAR}; it replaces host, database, user and password", &s.sqlDSN, false))
		}
		fields = append(fields,
			w.input("Host", "host, host:port or host/instance, e.g. db.example.com:1433", &s.sqlHost, unlessDSN("Host")),
			w.input("Database", "the database of the tables", &s.sqlDatabase, unlessDSN("Database")),
			input("Schema", "schema for the tables, created if missing", &s.sqlSchema, false),
			input("Username", "the SQL Server login", &s.sqlUser, false),
			secret("Password", "blank (with a username) for ${MSSQL_PASSWORD}, read from the environment at each run", &s.sqlPassword),
		)
	case "snowflake":
		fields = append(fields, input("User", "the Snowflake user that loads the tables", &s.sfUser, true))
		if s.sfAuth == "keypair" {
			fields = append(fields,
				w.input("Private key file", "the RSA key as a PEM file: PKCS#8, encrypted or not, or PKCS#1", &s.sfKeyPath, validateKeyFile),
				secret("Private key passphrase", "only for an encrypted key; ${SNOWFLAKE_KEY_PASSPHRASE} reads it from the environment at each run", &s.sfKeyPassphrase))
		} else {
			fields = append(fields, secret("Password", "blank for ${SNOWFLAKE_PASSWORD}, read from the environment at each run", &s.sfPassword))
		}
		if s.sfThreads == "" {
			s.sfThreads = strconv.Itoa(snowflakeDefaultThreads)
		}
		fields = append(fields,
			input("Account", "the account identifier, e.g. myorg-myaccount", &s.sfAccount, true),
			input("Warehouse", "the warehouse that runs the loads", &s.sfWarehouse, true),
			input("Database", "the database of the tables", &s.sfDatabase, true),
			input("Schema", "schema for the tables, which must exist; blank for PUBLIC", &s.sfSchema, false),
			input("Role", "blank for the user's default role", &s.sfRole, false),
			w.input("Concurrent threads", "files uploaded at once, 1 to 99", &s.sfThreads, func(x string) error { _, err := validateThreads(x); return err }),
		)
	case "azure":
		fields = append(fields,
			input("Storage account", "the storage account name; onelake for a Fabric lakehouse", &s.azAccount, true),
			input("Container", "the container (file system); for Fabric, the workspace", &s.azContainer, true),
			input("Path", "folder of the tables; blank for the container's root; Fabric: <Lakehouse>.Lakehouse/Tables (Delta tables) or <Lakehouse>.Lakehouse/Files/...", &s.azPath, false),
			input("Endpoint", "blank for https://<account>.blob.core.windows.net, or "+fabricEndpoint+" for account onelake; else Azurite or a sovereign cloud's URL", &s.azEndpoint, false),
			format("azure", &s.azFormat),
		)
		switch s.azAuth {
		case "key":
			fields = append(fields, secret("Account key", "blank for ${AZURE_STORAGE_KEY}, read from the environment at each run", &s.azKey))
		case "sas":
			fields = append(fields, secret("SAS token", "blank for ${AZURE_STORAGE_SAS_TOKEN}, read from the environment at each run", &s.azSAS))
		case "service_principal":
			fields = append(fields,
				input("Tenant id", "the directory (tenant) id", &s.azTenant, true),
				input("Client id", "the application (client) id", &s.azClient, true),
				secret("Client secret", "blank for ${AZURE_CLIENT_SECRET}, read from the environment at each run", &s.azSecret))
		}
	}
	return w.form(huh.NewGroup(fields...).Title("3. Destination: " + s.destination))
}
