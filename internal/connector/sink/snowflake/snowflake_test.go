package snowflake

// The live test runs the sinktest conformance suite against a real Snowflake
// account. No account is reachable from CI or from a laptop without one, so
// it runs only when these variables are set, and skips otherwise (in CI too):
//
//	TRESTLE_TEST_SNOWFLAKE_ACCOUNT           account identifier, e.g. myorg-myaccount
//	TRESTLE_TEST_SNOWFLAKE_USER              login name
//	TRESTLE_TEST_SNOWFLAKE_PASSWORD          password, or instead:
//	TRESTLE_TEST_SNOWFLAKE_PRIVATE_KEY_PATH  PKCS#8 PEM file (key-pair authentication)
//	TRESTLE_TEST_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE  its passphrase, if encrypted
//	TRESTLE_TEST_SNOWFLAKE_WAREHOUSE         warehouse running the loads
//	TRESTLE_TEST_SNOWFLAKE_DATABASE          database the test may create schemas in
//	TRESTLE_TEST_SNOWFLAKE_SCHEMA            optional: prefix of the test schemas (default TRESTLE_TEST)
//	TRESTLE_TEST_SNOWFLAKE_ROLE              optional: role (needs CREATE SCHEMA on the database)
//
// Each case of the suite gets a new schema, <prefix>_<random>, dropped with
// everything in it when the case ends. For example:
//
//	TRESTLE_TEST_SNOWFLAKE_ACCOUNT=myorg-myaccount TRESTLE_TEST_SNOWFLAKE_USER=ci \
//	TRESTLE_TEST_SNOWFLAKE_PRIVATE_KEY_PATH=$HOME/.snowflake/ci.p8 \
//	TRESTLE_TEST_SNOWFLAKE_WAREHOUSE=COMPUTE_WH TRESTLE_TEST_SNOWFLAKE_DATABASE=SCRATCH \
//	go test -run TestConformance -v ./internal/connector/sink/snowflake/

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snowflakedb/gosnowflake"

	"github.com/trestle-dev/trestle/internal/connector/sink"
	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

const envPrefix = "TRESTLE_TEST_SNOWFLAKE_"

// liveOptions returns the options of the test account, or skips the test.
func liveOptions(t *testing.T) Options {
	t.Helper()
	env := func(name string) string { return os.Getenv(envPrefix + name) }
	o := Options{Account: env("ACCOUNT"), User: env("USER"), Password: env("PASSWORD"),
		PrivateKeyPath: env("PRIVATE_KEY_PATH"), PrivateKeyPassphrase: env("PRIVATE_KEY_PASSPHRASE"),
		Warehouse: env("WAREHOUSE"), Database: env("DATABASE"), Role: env("ROLE")}
	if o.PrivateKeyPath != "" {
		o.Auth = AuthKeyPair
	}
	if o.Account == "" || o.User == "" || o.Warehouse == "" || o.Database == "" || (o.Password == "" && o.PrivateKeyPath == "") {
		t.Skip("no Snowflake account: set TRESTLE_TEST_SNOWFLAKE_ACCOUNT, _USER, _PASSWORD (or _PRIVATE_KEY_PATH), " +
			"_WAREHOUSE and _DATABASE (optional _SCHEMA, _ROLE) to run the live test; Snowflake cannot run locally or in CI")
	}
	return o
}

func TestConformance(t *testing.T) {
	base := liveOptions(t)
	prefix := os.Getenv(envPrefix + "SCHEMA")
	if prefix == "" {
		prefix = "TRESTLE_TEST"
	}
	sinktest.Run(t, func(t *testing.T) (sink.Sink, sinktest.Reader) {
		ctx := context.Background()
		cfg, err := driverConfig(base)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(gosnowflake.NewConnector(gosnowflake.SnowflakeDriver{}, *cfg))
		t.Cleanup(func() { db.Close() })
		suffix := make([]byte, 4)
		rand.Read(suffix)
		o := base
		o.Schema = `"` + resolveName(prefix) + "_" + strings.ToUpper(hex.EncodeToString(suffix)) + `"`
		ns := namespace{database: resolveName(o.Database), schema: resolveName(o.Schema)}
		schema := quote(ns.database) + "." + quote(ns.schema)
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create test schema %s: %v", schema, err)
		}
		t.Cleanup(func() {
			if _, err := db.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
				t.Errorf("drop test schema %s: %v", schema, err)
			}
		})
		s, err := New(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return s, &reader{db: db, ns: ns}
	})
}

// reader reads tables back and turns each value into its sinktest canonical
// form by the column's Snowflake type.
type reader struct {
	db *sql.DB
	ns namespace
}

func (r *reader) Columns(ctx context.Context, table string) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, columnsSQL(r.ns.database), r.ns.schema, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

func (r *reader) ReadRows(ctx context.Context, table string) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT * FROM "+r.ns.table(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	row := make([]string, len(types))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, ct := range types {
			v, err := canonical(ct, vals[i])
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", ct.Name(), err)
			}
			row[i] = v
		}
		out = append(out, sinktest.Row(row...))
	}
	return out, rows.Err()
}

// canonical renders a scanned value in the sinktest canonical form.
func canonical(ct *sql.ColumnType, v any) (string, error) {
	if v == nil {
		return sinktest.Null, nil
	}
	text := func() string {
		switch v := v.(type) {
		case string:
			return v
		case []byte:
			return string(v)
		}
		return fmt.Sprint(v)
	}
	switch ct.DatabaseTypeName() {
	case "FIXED":
		_, scale, _ := ct.DecimalSize()
		n, ok := new(big.Rat).SetString(text())
		if !ok {
			return "", fmt.Errorf("number %q", text())
		}
		if scale == 0 {
			return n.Num().String(), nil
		}
		return n.FloatString(int(scale)), nil
	case "REAL":
		f, err := strconv.ParseFloat(text(), 64)
		return strconv.FormatFloat(f, 'g', -1, 64), err
	case "BOOLEAN":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		b, err := strconv.ParseBool(text())
		return strconv.FormatBool(b), err
	case "TEXT":
		return strconv.Quote(text()), nil
	case "BINARY":
		b, ok := v.([]byte)
		if !ok {
			return "", fmt.Errorf("binary scanned as %T", v)
		}
		return "0x" + hex.EncodeToString(b), nil
	case "DATE":
		d, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("date scanned as %T", v)
		}
		return d.Format(time.DateOnly), nil
	case "TIMESTAMP_TZ", "TIMESTAMP_LTZ":
		ts, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("timestamp scanned as %T", v)
		}
		return ts.UTC().Format("2006-01-02T15:04:05.000000Z"), nil
	case "TIMESTAMP_NTZ":
		ts, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("timestamp scanned as %T", v)
		}
		return ts.Format("2006-01-02T15:04:05.000000"), nil
	case "VARIANT", "OBJECT", "ARRAY":
		return sinktest.CanonicalJSON([]byte(text()))
	}
	return "", fmt.Errorf("type %s not expected", ct.DatabaseTypeName())
}
