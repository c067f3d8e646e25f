package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trestle-dev/trestle/internal/connector/config"
)

// writeTestKey writes a stand-in private key file (setup checks only that it
// exists) and returns its path.
func writeTestKey(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "snowflake_key.p8")
	if err := os.WriteFile(p, []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectorSetupNewDestinations(t *testing.T) {
	profile := writeTestProfile(t)
	key := writeTestKey(t)
	for k, v := range map[string]string{"MYSQL_DSN": "u:p@tcp(db:3306)/w", "MSSQL_PASSWORD": "mssql-pw", "SQL_PW": "pw2",
		"SNOWFLAKE_PASSWORD": "sf-pw", "SF_PASSPHRASE": "phrase", "AZ_KEY": "a2V5", "AZURE_CLIENT_SECRET": "cs", "AZ_SAS": "sv=1&sig=x"} {
		t.Setenv(k, v)
	}
	for _, tc := range []struct {
		name string
		args []string
		// raw are strings config.yaml must hold (${VAR} references unexpanded).
		raw []string
		// note is what the notes must say; none, that there is no note.
		note string
		want config.Destination // as config.Load reads it back
	}{
		{name: "mysql reference", args: []string{"--destination", "mysql", "--mysql-dsn", "${MYSQL_DSN}"},
			raw: []string{"dsn: ${MYSQL_DSN}"}, want: config.Destination{Type: "mysql", MySQL: &config.MySQLConfig{DSN: "u:p@tcp(db:3306)/w"}}},
		{name: "mysql literal password", args: []string{"--destination", "mysql", "--mysql-dsn", "loader:pw@tcp(db:3306)/w"},
			note: "Note: config.yaml holds the MySQL DSN's password", want: config.Destination{Type: "mysql", MySQL: &config.MySQLConfig{DSN: "loader:pw@tcp(db:3306)/w"}}},
		{name: "sqlserver fields", args: []string{"--destination", "sqlserver", "--sqlserver-host", "db.example.com:1433", "--sqlserver-database", "warehouse",
			"--sqlserver-user", "loader", "--sqlserver-password", "${SQL_PW}"},
			raw: []string{"password: ${SQL_PW}", "schema: dbo"},
			want: config.Destination{Type: "sqlserver", SQLServer: &config.SQLServerConfig{Host: "db.example.com:1433", Database: "warehouse",
				User: "loader", Password: "pw2", Schema: "dbo"}}},
		{name: "sqlserver password from the environment", args: []string{"--destination", "sqlserver", "--sqlserver-host", "db/SQLEXPRESS",
			"--sqlserver-database", "w", "--sqlserver-schema", "planning", "--sqlserver-user", "loader"},
			raw: []string{"password: ${MSSQL_PASSWORD}"}, note: "Note: config.yaml reads the SQL Server password from ${MSSQL_PASSWORD}",
			want: config.Destination{Type: "sqlserver", SQLServer: &config.SQLServerConfig{Host: "db/SQLEXPRESS", Database: "w",
				User: "loader", Password: "mssql-pw", Schema: "planning"}}},
		{name: "sqlserver dsn", args: []string{"--destination", "sqlserver", "--sqlserver-dsn", "sqlserver://sa:pw@db?database=w"},
			note: "Note: config.yaml holds the SQL Server DSN's password",
			want: config.Destination{Type: "sqlserver", SQLServer: &config.SQLServerConfig{DSN: "sqlserver://sa:pw@db?database=w", Schema: "dbo"}}},
		{name: "snowflake password", args: []string{"--destination", "snowflake", "--snowflake-account", "myorg-acct", "--snowflake-user", "LOADER",
			"--snowflake-warehouse", "LOAD_WH", "--snowflake-database", "ANALYTICS", "--snowflake-schema", "PLANNING", "--snowflake-role", "LOADER_ROLE",
			"--snowflake-threads", "8"},
			raw: []string{"password: ${SNOWFLAKE_PASSWORD}", "auth: password"}, note: "reads the Snowflake password from ${SNOWFLAKE_PASSWORD}",
			want: config.Destination{Type: "snowflake", Snowflake: &config.SnowflakeConfig{Account: "myorg-acct", User: "LOADER", Auth: "password",
				Password: "sf-pw", Warehouse: "LOAD_WH", Database: "ANALYTICS", Schema: "PLANNING", Role: "LOADER_ROLE", Threads: 8}}},
		{name: "snowflake keypair", args: []string{"--destination", "snowflake", "--snowflake-account", "myorg-acct", "--snowflake-user", "LOADER",
			"--snowflake-auth", "KeyPair", "--snowflake-private-key", key, "--snowflake-private-key-passphrase", "${SF_PASSPHRASE}",
			"--snowflake-warehouse", "LOAD_WH", "--snowflake-database", "ANALYTICS"},
			raw: []string{"private_key_passphrase: ${SF_PASSPHRASE}", "threads: 4"}, note: "none",
			want: config.Destination{Type: "snowflake", Snowflake: &config.SnowflakeConfig{Account: "myorg-acct", User: "LOADER", Auth: "keypair",
				PrivateKeyPath: key, PrivateKeyPassphrase: "phrase", Warehouse: "LOAD_WH", Database: "ANALYTICS", Threads: 4}}},
		{name: "snowflake literal passphrase", args: []string{"--destination", "snowflake", "--snowflake-account", "a", "--snowflake-user", "u",
			"--snowflake-auth", "keypair", "--snowflake-private-key", key, "--snowflake-private-key-passphrase", "open sesame",
			"--snowflake-warehouse", "w", "--snowflake-database", "d"},
			note: "Note: config.yaml holds the Snowflake private key passphrase",
			want: config.Destination{Type: "snowflake", Snowflake: &config.SnowflakeConfig{Account: "a", User: "u", Auth: "keypair",
				PrivateKeyPath: key, PrivateKeyPassphrase: "open sesame", Warehouse: "w", Database: "d", Threads: 4}}},
		{name: "azure key", args: []string{"--destination", "azure", "--azure-account", "contoso", "--azure-container", "exports",
			"--azure-path", "/trestle/acme/", "--azure-format", "delta", "--azure-auth", "key", "--azure-account-key", "${AZ_KEY}"},
			raw: []string{"account_key: ${AZ_KEY}"}, note: "none",
			want: config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: "contoso", Container: "exports", Path: "trestle/acme",
				Format: "delta", Auth: "key", AccountKey: "a2V5"}}},
		{name: "azure sas implied", args: []string{"--destination", "azure", "--azure-account", "contoso", "--azure-container", "exports",
			"--azure-sas-token", "${AZ_SAS}", "--azure-endpoint", "http://127.0.0.1:10000/devstoreaccount1"},
			want: config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: "contoso", Container: "exports", Auth: "sas",
				SASToken: "sv=1&sig=x", Endpoint: "http://127.0.0.1:10000/devstoreaccount1"}}},
		{name: "azure fabric", args: []string{"--destination", "azure", "--azure-account", "onelake", "--azure-container", "Planning",
			"--azure-path", "Projects.Lakehouse/Tables", "--azure-format", "delta", "--azure-auth", "service_principal",
			"--azure-tenant-id", "tenant-1", "--azure-client-id", "client-1"},
			raw: []string{"client_secret: ${AZURE_CLIENT_SECRET}", "endpoint: " + fabricEndpoint}, note: "reads the Azure client secret from ${AZURE_CLIENT_SECRET}",
			want: config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: "onelake", Container: "Planning", Path: "Projects.Lakehouse/Tables",
				Endpoint: fabricEndpoint, Format: "delta", Auth: "service_principal", TenantID: "tenant-1", ClientID: "client-1", ClientSecret: "cs"}}},
		{name: "azure default credentials", args: []string{"--destination", "azure", "--azure-account", "contoso", "--azure-container", "exports"},
			note: "none", want: config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: "contoso", Container: "exports", Auth: "default"}}},
		{name: "azure literal client secret", args: []string{"--destination", "azure", "--azure-account", "contoso", "--azure-container", "exports",
			"--azure-tenant-id", "t", "--azure-client-id", "c", "--azure-client-secret", "s3cr3t"},
			note: "Note: config.yaml holds the Azure client secret",
			want: config.Destination{Type: "azure", Azure: &config.AzureConfig{Account: "contoso", Container: "exports", Auth: "service_principal",
				TenantID: "t", ClientID: "c", ClientSecret: "s3cr3t"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			code, out, errs := runSetup(t, path, append([]string{"--profile", profile}, tc.args...)...)
			if code != 0 {
				t.Fatalf("setup: %d %s", code, errs)
			}
			if m := fileMode(t, path); m != 0o600 {
				t.Fatalf("config.yaml mode %v", m)
			}
			raw, _ := os.ReadFile(path)
			for _, want := range tc.raw {
				if !strings.Contains(string(raw), want) {
					t.Errorf("config.yaml lacks %q:\n%s", want, raw)
				}
			}
			switch tc.note {
			case "":
			case "none":
				if strings.Contains(out, "Note:") {
					t.Errorf("unexpected note: %q", out)
				}
			default:
				if !strings.Contains(out, tc.note) {
					t.Errorf("stdout %q lacks %q", out, tc.note)
				}
			}
			c, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Destination, tc.want) {
				t.Fatalf("destination\n got %s\nwant %s", describeDest(c.Destination), describeDest(tc.want))
			}
		})
	}
}

// describeDest prints a destination's settings for a failure message.
func describeDest(d config.Destination) string {
	v := reflect.ValueOf(d)
	out := d.Type
	for i := 1; i < v.NumField(); i++ {
		if f := v.Field(i); !f.IsNil() {
			out += fmt.Sprintf(" %s%+v", v.Type().Field(i).Name, f.Elem().Interface())
		}
	}
	return out
}

func TestConnectorSetupNewDestinationsMissingAndBad(t *testing.T) {
	profile := writeTestProfile(t)
	key := writeTestKey(t)
	path := filepath.Join(t.TempDir(), "config.yaml")
	sf := []string{"--destination", "snowflake", "--snowflake-account", "a", "--snowflake-user", "u", "--snowflake-warehouse", "w", "--snowflake-database", "d"}
	az := []string{"--destination", "azure", "--azure-account", "a", "--azure-container", "c"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--destination", "mysql"}, []string{"missing settings: --mysql-dsn (user:password@tcp(host:3306)/db"}},
		{[]string{"--destination", "sqlserver"}, []string{"missing settings: --sqlserver-host (host, host:port or host/instance; or --sqlserver-dsn), --sqlserver-database"}},
		{[]string{"--destination", "sqlserver", "--sqlserver-host", "h", "--sqlserver-database", "d", "--sqlserver-password", "p"},
			[]string{"missing settings: --sqlserver-user (the login of --sqlserver-password)"}},
		{[]string{"--destination", "sqlserver", "--sqlserver-dsn", "sqlserver://h", "--sqlserver-host", "h", "--sqlserver-user", "u"},
			[]string{"--sqlserver-dsn: give either the DSN or --sqlserver-host, --sqlserver-user, not both"}},
		{[]string{"--destination", "snowflake"},
			[]string{"missing settings: --snowflake-account (the account identifier, e.g. myorg-myaccount), --snowflake-user, --snowflake-warehouse, --snowflake-database"}},
		{[]string{"--destination", "snowflake", "--snowflake-auth", "keypair", "--snowflake-user", "u"},
			[]string{"missing settings: --snowflake-account", "--snowflake-warehouse, --snowflake-database, --snowflake-private-key (the private key file, with --snowflake-auth keypair)"}},
		{append(sf, "--snowflake-auth", "keypair", "--snowflake-private-key", filepath.Join(t.TempDir(), "none.p8")), []string{"--snowflake-private-key:", "no such file"}},
		{append(sf, "--snowflake-auth", "keypair", "--snowflake-private-key", t.TempDir()), []string{"--snowflake-private-key:", "is a folder"}},
		{append(sf, "--snowflake-auth", "oauth"), []string{`--snowflake-auth: "oauth" is not password or keypair`}},
		{append(sf, "--snowflake-private-key", key, "--snowflake-password", "${P}"), []string{"--snowflake-private-key: is not used with --snowflake-auth password"}},
		{append(sf, "--snowflake-auth", "keypair", "--snowflake-private-key", key, "--snowflake-password", "${P}"),
			[]string{"--snowflake-password: is not used with --snowflake-auth keypair"}},
		{append(sf, "--snowflake-threads", "0"), []string{`--snowflake-threads: "0" is not a number from 1 to 99`}},
		{append(sf, "--mysql-dsn", "x", "--format", "csv"), []string{"--format: is not a setting of the snowflake destination", "--mysql-dsn: is not a setting"}},
		{[]string{"--destination", "azure"}, []string{"missing settings: --azure-account (the storage account name; onelake for Fabric), --azure-container (the container; for Fabric, the workspace)"}},
		{append(az, "--azure-auth", "service_principal"),
			[]string{"missing settings: --azure-tenant-id (with --azure-auth service_principal), --azure-client-id (with --azure-auth service_principal)"}},
		{append(az, "--azure-format", "csv"), []string{`--azure-format: "csv" is not a format of the azure destination; use parquet, delta`}},
		{append(az, "--format", "delta"), []string{"--format: is not a setting of the azure destination"}},
		{append(az, "--azure-auth", "oauth"), []string{`--azure-auth: "oauth" is not key, sas, service_principal or default`}},
		{append(az, "--azure-auth", "key", "--azure-sas-token", "${SAS}"), []string{"--azure-sas-token: is not used with --azure-auth key"}},
		{append(az, "--azure-auth", "default", "--azure-client-id", "c"), []string{"--azure-client-id: is not used with --azure-auth default"}},
	} {
		args := append([]string{"--profile", profile}, tc.args...)
		code, _, errs := runSetup(t, path, args...)
		for _, want := range tc.want {
			if code != 1 || !strings.Contains(errs, want) {
				t.Errorf("%q: code %d, stderr %q, want %q", tc.args, code, errs, want)
			}
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%q: config.yaml written despite the error", tc.args)
		}
	}
}

func TestConnectorSetupNewDestinationsKeptAndChanged(t *testing.T) {
	profile := writeTestProfile(t)
	key := writeTestKey(t)
	for _, tc := range []struct {
		name string
		args []string
		// change are flags changing the destination's settings; check
		// checks the result.
		change []string
		check  func(d config.Destination) bool
	}{
		{name: "mysql", args: []string{"--destination", "mysql", "--mysql-dsn", "${MYSQL_DSN}"},
			change: []string{"--mysql-dsn", "${OTHER_DSN}"},
			check:  func(d config.Destination) bool { return d.MySQL.DSN == "${OTHER_DSN}" }},
		{name: "sqlserver", args: []string{"--destination", "sqlserver", "--sqlserver-host", "h", "--sqlserver-database", "d",
			"--sqlserver-schema", "planning", "--sqlserver-user", "u", "--sqlserver-password", "${PW}"},
			// a DSN replaces the connection fields, and keeps the schema
			change: []string{"--sqlserver-dsn", "${MSSQL_DSN}"},
			check: func(d config.Destination) bool {
				return *d.SQLServer == config.SQLServerConfig{DSN: "${MSSQL_DSN}", Schema: "planning"}
			}},
		{name: "snowflake", args: []string{"--destination", "snowflake", "--snowflake-account", "a", "--snowflake-user", "u",
			"--snowflake-password", "${SF_PW}", "--snowflake-warehouse", "w", "--snowflake-database", "d", "--snowflake-role", "r", "--snowflake-threads", "6"},
			// keypair replaces the password; the rest is kept
			change: []string{"--snowflake-auth", "keypair", "--snowflake-private-key", key},
			check: func(d config.Destination) bool {
				return *d.Snowflake == config.SnowflakeConfig{Account: "a", User: "u", Auth: "keypair", PrivateKeyPath: key,
					Warehouse: "w", Database: "d", Role: "r", Threads: 6}
			}},
		{name: "azure", args: []string{"--destination", "azure", "--azure-account", "contoso", "--azure-container", "c",
			"--azure-path", "p", "--azure-format", "delta", "--azure-account-key", "${AZ_KEY}"},
			// a SAS token replaces the key
			change: []string{"--azure-auth", "sas", "--azure-sas-token", "${AZ_SAS}"},
			check: func(d config.Destination) bool {
				return *d.Azure == config.AzureConfig{Account: "contoso", Container: "c", Path: "p", Format: "delta", Auth: "sas", SASToken: "${AZ_SAS}"}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if code, _, errs := runSetup(t, path, append([]string{"--profile", profile, "--tables", "s.a.t", "--cron", "0 4 * * *"}, tc.args...)...); code != 0 {
				t.Fatal(errs)
			}
			before, err := readConnectorConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			// Only the schedule changes: the destination is kept as it was.
			if code, out, errs := runSetup(t, path, "--cron", "0 5 * * *"); code != 0 || strings.Contains(out, "reads the") {
				t.Fatalf("re-run: %d %q %s", code, out, errs)
			}
			after, err := readConnectorConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			if after.Schedule.Cron != "0 5 * * *" || after.Tables[0] != "s.a.t" || !reflect.DeepEqual(before.Destination, after.Destination) {
				t.Fatalf("kept:\n got %s\nwant %s", describeDest(after.Destination), describeDest(before.Destination))
			}
			// Some settings change: the others stay, those of another way to connect go.
			if code, _, errs := runSetup(t, path, tc.change...); code != 0 {
				t.Fatal(errs)
			}
			if after, _ = readConnectorConfig(path); !tc.check(after.Destination) || after.Schedule.Cron != "0 5 * * *" {
				t.Fatalf("changed: %s", describeDest(after.Destination))
			}
		})
	}
	// Fields given replace a kept SQL Server DSN.
	path := filepath.Join(t.TempDir(), "config.yaml")
	if code, _, errs := runSetup(t, path, "--profile", profile, "--destination", "sqlserver", "--sqlserver-dsn", "${MSSQL_DSN}"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runSetup(t, path, "--sqlserver-host", "h", "--sqlserver-database", "d", "--sqlserver-user", "u", "--sqlserver-password", "${PW}"); code != 0 {
		t.Fatal(errs)
	}
	if c, _ := readConnectorConfig(path); *c.Destination.SQLServer != (config.SQLServerConfig{Host: "h", Database: "d", User: "u", Password: "${PW}", Schema: "dbo"}) {
		t.Fatalf("fields over a DSN: %+v", c.Destination.SQLServer)
	}
}

func TestConnectorSetupFormSnowflakeKeypair(t *testing.T) {
	profile := writeTestProfile(t)
	key := writeTestKey(t)
	s := &setupOptions{}
	var out strings.Builder
	w := &setupWizard{opts: s, accessible: true, out: &out, in: &formLineReader{lines: []string{
		"",      // 1. every table
		profile, // 2.
		"7",     // 3. snowflake
		"2",     // key pair
		"LOADER",
		filepath.Join(t.TempDir(), "none.p8"), key, // a missing key file is asked again
		"${SF_PASSPHRASE}",
		"myorg-acct",
		"", "LOAD_WH", // required: asked again
		"ANALYTICS",
		"", "", // schema PUBLIC, the user's role
		"100", "", // bad threads are asked again; blank keeps 4
		"n", "n",
	}}}
	if err := w.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := s.build(nil, nil)
	if err != nil {
		t.Fatalf("build: %v (answers %+v)\n%s", err, s, out.String())
	}
	want := config.SnowflakeConfig{Account: "myorg-acct", User: "LOADER", Auth: "keypair", PrivateKeyPath: key,
		PrivateKeyPassphrase: "${SF_PASSPHRASE}", Warehouse: "LOAD_WH", Database: "ANALYTICS", Threads: 4}
	if c.Destination.Type != "snowflake" || *c.Destination.Snowflake != want || len(c.Tables) != 0 || s.installSchedule || s.runNow {
		t.Fatalf("answers %+v -> %+v", s, c.Destination.Snowflake)
	}
	if lit := s.literalSecrets(); len(lit) != 0 || len(s.envDefaults) != 0 {
		t.Fatalf("secrets: literal %q, from the environment %q", lit, s.envDefaults)
	}
	for _, want := range []string{"Authentication", "Private key file", "no such file", "warehouse is required", `"100" is not a number from 1 to 99`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the form did not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Password (") {
		t.Errorf("keypair authentication asked for a password:\n%s", out.String())
	}
}

func TestConnectorSetupFormAzure(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.share"), []byte(setupTestProfile), 0o600)

	// From PostgreSQL to a Fabric lakehouse with a service principal.
	existing := &config.Config{Profile: "config.share", Tables: []string{"s.a.t"},
		Destination: config.Destination{Type: "postgres", Postgres: &config.PostgresConfig{DSN: "${PG_DSN}"}}}
	s := &setupOptions{}
	s.fillFrom(existing, dir, func(string) bool { return false })
	var out strings.Builder
	w := &setupWizard{opts: s, existing: existing, accessible: true, out: &out, in: &formLineReader{lines: []string{
		"y", "n", // keep the source, change the destination
		"8",                                                    // azure
		"3",                                                    // service principal
		"onelake", "Planning", "Projects.Lakehouse/Tables", "", // endpoint: blank, Fabric's for onelake
		"2",            // delta
		"", "tenant-1", // required: asked again
		"client-1", "", // blank secret: ${AZURE_CLIENT_SECRET}
		"n", "n",
	}}}
	if err := w.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := s.build(existing, nil)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out.String())
	}
	want := config.AzureConfig{Account: "onelake", Container: "Planning", Path: "Projects.Lakehouse/Tables", Endpoint: fabricEndpoint,
		Format: "delta", Auth: "service_principal", TenantID: "tenant-1", ClientID: "client-1", ClientSecret: "${AZURE_CLIENT_SECRET}"}
	if c.Destination.Type != "azure" || c.Destination.Postgres != nil || *c.Destination.Azure != want || c.Tables[0] != "s.a.t" {
		t.Fatalf("answers %+v -> %+v", s, c.Destination.Azure)
	}
	if len(s.envDefaults) != 1 || !strings.Contains(s.envDefaults[0], "${AZURE_CLIENT_SECRET}") {
		t.Fatalf("from the environment: %q", s.envDefaults)
	}
	for _, want := range []string{"Sign in with", "tenant id is required", fabricEndpoint} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the form did not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Account key") || strings.Contains(out.String(), "SAS token (") {
		t.Errorf("service principal sign-in asked for a key:\n%s", out.String())
	}

	// An existing Azure destination changed: blank lines keep its answers,
	// the account key among them, which is never shown.
	existing = &config.Config{Profile: "config.share", Destination: config.Destination{Type: "azure",
		Azure: &config.AzureConfig{Account: "contoso", Container: "exports", Path: "acme", AccountKey: "S3CRETKEY"}}}
	s = &setupOptions{}
	s.fillFrom(existing, dir, func(string) bool { return false })
	out.Reset()
	w = &setupWizard{opts: s, existing: existing, accessible: true, out: &out, in: &formLineReader{lines: []string{
		"y", "n",
		"", "", // azure; key (implied by the account key)
		"", "", "trestle/acme", "", "", // account and container kept, a new path, endpoint, format parquet
		"", // the key kept
		"n", "n",
	}}}
	if err := w.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err = s.build(existing, nil); err != nil {
		t.Fatalf("build: %v\n%s", err, out.String())
	}
	want = config.AzureConfig{Account: "contoso", Container: "exports", Path: "trestle/acme", Format: "parquet", Auth: "key", AccountKey: "S3CRETKEY"}
	if *c.Destination.Azure != want {
		t.Fatalf("answers %+v -> %+v", s, c.Destination.Azure)
	}
	if strings.Contains(out.String(), "S3CRETKEY") || !strings.Contains(out.String(), "Keep the destination: azure contoso exports acme?") {
		t.Fatalf("the form showed the key, or not the destination:\n%s", out.String())
	}
	if lit := s.literalSecrets(); len(lit) != 1 || lit[0] != "the Azure account key" {
		t.Fatalf("literal secrets %q", lit)
	}
}
