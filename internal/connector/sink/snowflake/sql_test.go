package snowflake

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink/sinktest"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"id", `"id"`},
		{"Text Col", `"Text Col"`},
		{`say "hi"`, `"say ""hi"""`},
		{`"`, `""""`},
		{"日本", `"日本"`},
	} {
		if got := quote(c.in); got != c.want {
			t.Errorf("quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ in, resolved, session string }{
		{"analytics", "ANALYTICS", "ANALYTICS"},
		{"Analytics_2", "ANALYTICS_2", "ANALYTICS_2"},
		{"PUBLIC", "PUBLIC", "PUBLIC"},
		{"my$db", "MY$DB", "MY$DB"},
		{"my db", "my db", `"my db"`},
		{"2024data", "2024data", `"2024data"`},
		{`"Mixed"`, "Mixed", `"Mixed"`},
		{`"UPPER"`, "UPPER", "UPPER"},
		{`"a""b"`, `a"b`, `"a""b"`},
		{"", "", ""},
	} {
		if got := resolveName(c.in); got != c.resolved {
			t.Errorf("resolveName(%q) = %q, want %q", c.in, got, c.resolved)
		}
		if got := sessionName(c.in); got != c.session {
			t.Errorf("sessionName(%q) = %q, want %q", c.in, got, c.session)
		}
	}
}

func TestNamespace(t *testing.T) {
	ns := namespace{database: "ANALYTICS", schema: `Sales "EU"`}
	if got, want := ns.table("demo__people"), `"ANALYTICS"."Sales ""EU"""."demo__people"`; got != want {
		t.Errorf("table = %s, want %s", got, want)
	}
	if got, want := ns.stage("demo__people__staging"), `@"ANALYTICS"."Sales ""EU""".%"demo__people__staging"`; got != want {
		t.Errorf("stage = %s, want %s", got, want)
	}
}

func TestSnowflakeType(t *testing.T) {
	want := map[string]string{
		"id": "NUMBER(19,0)", "i32": "NUMBER(10,0)", "i16": "NUMBER(5,0)", "i8": "NUMBER(3,0)",
		"f32": "FLOAT", "f64": "FLOAT", "flag": "BOOLEAN", "Text Col": "VARCHAR", "bin": "BINARY",
		"day": "DATE", "ts": "TIMESTAMP_TZ(6)", "ts_ntz": "TIMESTAMP_NTZ(6)",
		"dec18": "NUMBER(18,4)", "dec38": "NUMBER(38,10)",
		"tags": "VARIANT", "attrs": "VARIANT", "point": "VARIANT",
	}
	// Every type the connector produces: sinktest.AllTypes has one column of each.
	for _, f := range sinktest.AllTypes.Fields() {
		got, err := snowflakeType(f.Type)
		if err != nil {
			t.Errorf("%s (%s): %v", f.Name, f.Type, err)
			continue
		}
		if got != want[f.Name] {
			t.Errorf("%s (%s) -> %s, want %s", f.Name, f.Type, got, want[f.Name])
		}
	}
	for _, c := range []struct {
		typ  arrow.DataType
		want string
	}{
		{&arrow.Decimal256Type{Precision: 38, Scale: 2}, "NUMBER(38,2)"},
		{&arrow.Decimal256Type{Precision: 50, Scale: 5}, "VARCHAR"},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, "TIMESTAMP_NTZ(3)"},
		{&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}, "TIMESTAMP_TZ(9)"},
		{&arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, "TIMESTAMP_TZ(0)"},
		{arrow.PrimitiveTypes.Uint64, "NUMBER(20,0)"},
		{arrow.BinaryTypes.LargeString, "VARCHAR"},
		{arrow.BinaryTypes.LargeBinary, "BINARY"},
		{arrow.FixedWidthTypes.Date64, "DATE"},
		{arrow.LargeListOf(arrow.PrimitiveTypes.Int64), "VARIANT"},
	} {
		got, err := snowflakeType(c.typ)
		if err != nil || got != c.want {
			t.Errorf("%s -> %q, %v; want %q", c.typ, got, err, c.want)
		}
	}
	if _, err := snowflakeType(arrow.FixedWidthTypes.Time64us); err == nil || !strings.Contains(err.Error(), "time64") {
		t.Errorf("time64: err = %v, want one naming the type", err)
	}
}

func TestColumnsOf(t *testing.T) {
	cols, err := columnsOf(sinktest.AllTypes)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		nested := c.name == "tags" || c.name == "attrs" || c.name == "point"
		if c.json != nested || (nested && c.staged != "VARCHAR") || (!nested && c.staged != c.typ) {
			t.Errorf("column %s: staged %s (json %v), type %s", c.name, c.staged, c.json, c.typ)
		}
	}
	for _, c := range []struct {
		schema *arrow.Schema
		want   string
	}{
		{arrow.NewSchema(nil, nil), "at least one column"},
		{arrow.NewSchema([]arrow.Field{{Name: "__trestle_op", Type: arrow.BinaryTypes.String}}, nil), `column "__trestle_op": the name is reserved`},
		{arrow.NewSchema([]arrow.Field{{Name: "t", Type: arrow.FixedWidthTypes.Time32s}}, nil), `column "t": Arrow type time32`},
	} {
		if _, err := columnsOf(c.schema); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("columnsOf(%s): err = %v, want %q", c.schema, err, c.want)
		}
	}
}

var testCols = []column{
	{name: "id", typ: "NUMBER(19,0)", staged: "NUMBER(19,0)"},
	{name: "Full Name", typ: "VARCHAR", staged: "VARCHAR"},
	{name: `tag"s`, typ: "VARIANT", staged: "VARCHAR", json: true},
}

func TestStatements(t *testing.T) {
	ns := namespace{database: "DB", schema: "PUBLIC"}
	tbl, stg := ns.table("people"), ns.table("people__staging")
	for _, c := range []struct{ name, got, want string }{
		{"create staging", createTableSQL(stg, testCols, []string{"id"}, true, true),
			`CREATE OR REPLACE TABLE "DB"."PUBLIC"."people__staging" ("id" NUMBER(19,0), "Full Name" VARCHAR, "tag""s" VARCHAR, PRIMARY KEY ("id"))`},
		{"create table", createTableSQL(tbl, testCols, nil, false, false),
			`CREATE TABLE IF NOT EXISTS "DB"."PUBLIC"."people" ("id" NUMBER(19,0), "Full Name" VARCHAR, "tag""s" VARIANT)`},
		{"create changes", createChangesSQL(ns.table("people__changes"), testCols),
			`CREATE OR REPLACE TRANSIENT TABLE "DB"."PUBLIC"."people__changes" ("id" NUMBER(19,0), "Full Name" VARCHAR, "tag""s" VARCHAR, "__trestle_op" VARCHAR NOT NULL, "__trestle_seq" NUMBER(19,0) NOT NULL)`},
		{"put", putSQL("/tmp/trestle-snowflake-1/part-00000.parquet", ns.stage("people__staging"), 4),
			`PUT 'file:///tmp/trestle-snowflake-1/part-00000.parquet' @"DB"."PUBLIC".%"people__staging" PARALLEL = 4 AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = NONE OVERWRITE = TRUE`},
		{"put windows path with quote", putSQL(`C:\Temp\o'brien\part-00001.parquet`, "@x", 1),
			`PUT 'file:///C:/Temp/o\'brien/part-00001.parquet' @x PARALLEL = 1 AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = NONE OVERWRITE = TRUE`},
		{"copy", copySQL(stg, ns.stage("people__staging")),
			`COPY INTO "DB"."PUBLIC"."people__staging" FROM @"DB"."PUBLIC".%"people__staging" FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE) MATCH_BY_COLUMN_NAME = CASE_SENSITIVE ON_ERROR = ABORT_STATEMENT PURGE = TRUE FORCE = TRUE`},
		{"swap", strings.Join(swapSQL(tbl, stg), "; "),
			`CREATE TABLE IF NOT EXISTS "DB"."PUBLIC"."people" LIKE "DB"."PUBLIC"."people__staging"; ` +
				`ALTER TABLE "DB"."PUBLIC"."people" SWAP WITH "DB"."PUBLIC"."people__staging"; ` +
				`DROP TABLE IF EXISTS "DB"."PUBLIC"."people__staging"`},
		{"promote", promoteSQL(ns.table("people__ready"), stg, testCols),
			`INSERT INTO "DB"."PUBLIC"."people__ready" ("id", "Full Name", "tag""s") SELECT "id", "Full Name", PARSE_JSON("tag""s") AS "tag""s" FROM "DB"."PUBLIC"."people__staging"`},
		{"add column", addColumnSQL(tbl, testCols[2]), `ALTER TABLE "DB"."PUBLIC"."people" ADD COLUMN "tag""s" VARIANT`},
		{"drop", dropSQL(stg), `DROP TABLE IF EXISTS "DB"."PUBLIC"."people__staging"`},
		{"columns", columnsSQL(`My "DB"`),
			`SELECT COLUMN_NAME FROM "My ""DB""".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`},
		{"merge", mergeSQL(tbl, ns.table("people__changes"), testCols, []string{"id"}),
			`MERGE INTO "DB"."PUBLIC"."people" AS t USING (SELECT "id", "Full Name", PARSE_JSON("tag""s") AS "tag""s", "__trestle_op" FROM "DB"."PUBLIC"."people__changes" ` +
				`QUALIFY ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "__trestle_seq" DESC) = 1) AS s ON t."id" = s."id" ` +
				`WHEN MATCHED AND s."__trestle_op" = 'delete' THEN DELETE ` +
				`WHEN MATCHED THEN UPDATE SET t."Full Name" = s."Full Name", t."tag""s" = s."tag""s" ` +
				`WHEN NOT MATCHED AND s."__trestle_op" <> 'delete' THEN INSERT ("id", "Full Name", "tag""s") VALUES (s."id", s."Full Name", s."tag""s")`},
		{"merge, composite key, no other column", mergeSQL(tbl, ns.table("c"), testCols[:2], []string{"id", "Full Name"}),
			`MERGE INTO "DB"."PUBLIC"."people" AS t USING (SELECT "id", "Full Name", "__trestle_op" FROM "DB"."PUBLIC"."c" ` +
				`QUALIFY ROW_NUMBER() OVER (PARTITION BY "id", "Full Name" ORDER BY "__trestle_seq" DESC) = 1) AS s ON t."id" = s."id" AND t."Full Name" = s."Full Name" ` +
				`WHEN MATCHED AND s."__trestle_op" = 'delete' THEN DELETE ` +
				`WHEN NOT MATCHED AND s."__trestle_op" <> 'delete' THEN INSERT ("id", "Full Name") VALUES (s."id", s."Full Name")`},
		{"append", appendSQL(tbl, ns.table("people__changes"), testCols),
			`INSERT INTO "DB"."PUBLIC"."people" ("id", "Full Name", "tag""s") SELECT "id", "Full Name", PARSE_JSON("tag""s") AS "tag""s" FROM "DB"."PUBLIC"."people__changes" WHERE "__trestle_op" = 'upsert' ORDER BY "__trestle_seq"`},
	} {
		if c.got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.name, c.got, c.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Account: "myorg-acct", User: "loader", Password: "s3cret", Warehouse: "wh", Database: "analytics"},
			"Snowflake account myorg-acct database ANALYTICS schema PUBLIC (warehouse WH, user loader, password)"},
		{Options{Account: "a", User: "u", Auth: "keypair", PrivateKeyPassphrase: "s3cret", Warehouse: "wh", Database: "d", Schema: "my schema", Role: "r"},
			"Snowflake account a database D schema my schema (warehouse WH, user u, keypair, role R)"},
	} {
		got := Describe(c.o)
		if got != c.want || strings.Contains(got, "s3cret") {
			t.Errorf("Describe = %q, want %q", got, c.want)
		}
	}
}
