package snowflake

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Columns an incremental load adds to its changes table.
const (
	opColumn  = "__trestle_op"  // 'upsert' or 'delete'
	seqColumn = "__trestle_seq" // the change's position in the load, from 0
	opUpsert  = "upsert"
	opDelete  = "delete"
)

// Suffixes of the load tables next to a table T.
const (
	stagingSuffix = "__staging" // full loads: the new content, swapped in on Commit
	readySuffix   = "__ready"   // full loads with VARIANT columns: the staging rows with JSON parsed
	changesSuffix = "__changes" // incremental loads: the changes, merged on Commit
)

// quote returns name as a quoted Snowflake identifier: in double quotes, each
// double quote doubled. A quoted identifier keeps its case exactly.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// plainIdent matches the identifiers Snowflake accepts unquoted.
var plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// resolveName returns the name Snowflake stores for an object name written in
// config.yaml (database, schema, warehouse, role), following Snowflake's own
// rule for identifiers: a name that could be written unquoted (letters, digits,
// _ and $, not starting with a digit) is upper-cased, as Snowflake does with
// unquoted names, so "analytics" is the database ANALYTICS; a name written in
// double quotes ("\"My Db\"") or one that could not be unquoted ("my db") is
// taken exactly as written.
func resolveName(name string) string {
	if len(name) >= 2 && strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) {
		return strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
	}
	if plainIdent.MatchString(name) {
		return strings.ToUpper(name)
	}
	return name
}

// sessionName returns how an object name from config.yaml is given to the
// driver as the session's default (database, schema, warehouse, role): as
// written when Snowflake resolves it alike unquoted, else quoted.
func sessionName(name string) string {
	if name == "" {
		return ""
	}
	r := resolveName(name)
	if plainIdent.MatchString(r) && strings.ToUpper(r) == r {
		return r
	}
	return quote(r)
}

// namespace is the database and schema the tables live in (stored names).
type namespace struct{ database, schema string }

// table returns the fully qualified, quoted name of table name. Table names
// come from the connector (e.g. "demo__people") and are kept exactly, case
// included.
func (n namespace) table(name string) string {
	return quote(n.database) + "." + quote(n.schema) + "." + quote(name)
}

// stage returns the table stage of table name: @"DB"."SCHEMA".%"name".
func (n namespace) stage(name string) string {
	return "@" + quote(n.database) + "." + quote(n.schema) + ".%" + quote(name)
}

// column is one column of a table: its name, its type in the table, and how
// it is staged (in the Parquet files and the staging or changes table).
type column struct {
	name   string
	typ    string // the table's type
	staged string // the type in the staging and changes tables
	json   bool   // staged as JSON text, parsed into typ (VARIANT) with PARSE_JSON
}

// expr is the expression reading the column from a staging or changes table
// into the table's type.
func (c column) expr() string {
	if c.json {
		return "PARSE_JSON(" + quote(c.name) + ")"
	}
	return quote(c.name)
}

// columnsOf maps a schema to columns (see the type mapping in the package doc).
func columnsOf(s *arrow.Schema) ([]column, error) {
	if s == nil || s.NumFields() == 0 {
		return nil, fmt.Errorf("a table needs at least one column")
	}
	cols := make([]column, s.NumFields())
	for i, f := range s.Fields() {
		if f.Name == opColumn || f.Name == seqColumn {
			return nil, fmt.Errorf("column %q: the name is reserved for the connector's own use", f.Name)
		}
		typ, err := snowflakeType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		c := column{name: f.Name, typ: typ, staged: typ}
		if typ == "VARIANT" {
			c.staged, c.json = "VARCHAR", true
		}
		cols[i] = c
	}
	return cols, nil
}

// snowflakeType returns the Snowflake type of an Arrow type (see the package
// doc for the table).
func snowflakeType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.Int8Type:
		return "NUMBER(3,0)", nil
	case *arrow.Int16Type:
		return "NUMBER(5,0)", nil
	case *arrow.Int32Type:
		return "NUMBER(10,0)", nil
	case *arrow.Int64Type:
		return "NUMBER(19,0)", nil
	case *arrow.Uint8Type:
		return "NUMBER(3,0)", nil
	case *arrow.Uint16Type:
		return "NUMBER(5,0)", nil
	case *arrow.Uint32Type:
		return "NUMBER(10,0)", nil
	case *arrow.Uint64Type:
		return "NUMBER(20,0)", nil
	case *arrow.Float32Type, *arrow.Float64Type:
		return "FLOAT", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.StringType, *arrow.LargeStringType:
		return "VARCHAR", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return "BINARY", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", nil
	case *arrow.TimestampType:
		digits := map[arrow.TimeUnit]int{arrow.Second: 0, arrow.Millisecond: 3, arrow.Microsecond: 6, arrow.Nanosecond: 9}[t.Unit]
		if t.TimeZone == "" {
			return fmt.Sprintf("TIMESTAMP_NTZ(%d)", digits), nil
		}
		return fmt.Sprintf("TIMESTAMP_TZ(%d)", digits), nil
	case arrow.DecimalType:
		if t.GetPrecision() > 38 {
			return "VARCHAR", nil
		}
		return fmt.Sprintf("NUMBER(%d,%d)", t.GetPrecision(), t.GetScale()), nil
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.MapType, *arrow.StructType:
		return "VARIANT", nil
	}
	return "", fmt.Errorf("Arrow type %s has no Snowflake type here", t)
}

// columnDef is the definition of c in a CREATE TABLE or ADD COLUMN.
func columnDef(c column, staged bool) string {
	if staged {
		return quote(c.name) + " " + c.staged
	}
	return quote(c.name) + " " + c.typ
}

// createTableSQL creates table (replacing it when replace is set, else only
// if it does not exist) with the columns' table types (or staged types) and a
// primary key on key, if any. Snowflake records but does not enforce primary
// keys; their columns become NOT NULL.
func createTableSQL(table string, cols []column, key []string, staged, replace bool) string {
	defs := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		defs = append(defs, columnDef(c, staged))
	}
	if len(key) > 0 {
		defs = append(defs, "PRIMARY KEY ("+quoteAll(key)+")")
	}
	verb := "CREATE TABLE IF NOT EXISTS "
	if replace {
		verb = "CREATE OR REPLACE TABLE "
	}
	return verb + table + " (" + strings.Join(defs, ", ") + ")"
}

// createChangesSQL creates (or replaces) the transient changes table of an
// incremental load: the columns as staged, then the operation and sequence.
func createChangesSQL(table string, cols []column) string {
	defs := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		defs = append(defs, columnDef(c, true))
	}
	defs = append(defs, quote(opColumn)+" VARCHAR NOT NULL", quote(seqColumn)+" NUMBER(19,0) NOT NULL")
	return "CREATE OR REPLACE TRANSIENT TABLE " + table + " (" + strings.Join(defs, ", ") + ")"
}

// putSQL uploads the local file path to stage, with parallel upload threads.
// The file is Parquet: compressed inside, so it is sent as it is.
func putSQL(path, stage string, parallel int) string {
	return fmt.Sprintf("PUT %s %s PARALLEL = %d AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = NONE OVERWRITE = TRUE",
		fileURL(path), stage, parallel)
}

// fileURL is the quoted file:// URL of a local path, as PUT takes it.
func fileURL(path string) string {
	p := strings.ReplaceAll(path, `\`, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x -> file:///C:/x
	}
	p = strings.ReplaceAll(p, `'`, `\'`)
	return "'file://" + p + "'"
}

// parquetFormat is the file format of the staged files: BINARY_AS_TEXT off so
// that binary columns stay binary, logical types on so that timestamps,
// dates and decimals are read as what they are.
const parquetFormat = "FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)"

// copySQL loads every file of stage into table, matching Parquet columns to
// table columns by exact name, and deletes the files once loaded. FORCE
// loads files whatever the load history holds (the table is new, the files'
// names repeat between loads); any bad value aborts the whole COPY.
func copySQL(table, stage string) string {
	return "COPY INTO " + table + " FROM " + stage + " " + parquetFormat +
		" MATCH_BY_COLUMN_NAME = CASE_SENSITIVE ON_ERROR = ABORT_STATEMENT PURGE = TRUE FORCE = TRUE"
}

// promoteSQL fills ready (created with the table types) from staging,
// parsing the JSON text of VARIANT columns.
func promoteSQL(ready, staging string, cols []column) string {
	return "INSERT INTO " + ready + " (" + names(cols) + ") SELECT " + exprs(cols) + " FROM " + staging
}

// swapSQL makes staging the content of table: created first (empty, same
// columns) when missing, so that one atomic SWAP serves both cases; the old
// content, now under the staging name, is dropped.
func swapSQL(table, staging string) []string {
	return []string{
		"CREATE TABLE IF NOT EXISTS " + table + " LIKE " + staging,
		"ALTER TABLE " + table + " SWAP WITH " + staging,
		"DROP TABLE IF EXISTS " + staging,
	}
}

// addColumnSQL adds column c to table.
func addColumnSQL(table string, c column) string {
	return "ALTER TABLE " + table + " ADD COLUMN " + columnDef(c, false)
}

// dropSQL drops table if it exists.
func dropSQL(table string) string { return "DROP TABLE IF EXISTS " + table }

// columnsSQL lists the columns of a table, in order; its parameters are the
// schema and table names as stored.
func columnsSQL(database string) string {
	return "SELECT COLUMN_NAME FROM " + quote(database) + ".INFORMATION_SCHEMA.COLUMNS" +
		" WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
}

// mergeSQL applies the changes table to table by key: for each key its last
// change (highest sequence) only; a delete removes the row, an upsert
// updates or inserts it.
func mergeSQL(table, changes string, cols []column, key []string) string {
	isKey := make(map[string]bool, len(key))
	on := make([]string, len(key))
	for i, k := range key {
		isKey[k] = true
		on[i] = "t." + quote(k) + " = s." + quote(k)
	}
	var set []string
	vals := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = "s." + quote(c.name)
		if !isKey[c.name] {
			set = append(set, "t."+quote(c.name)+" = s."+quote(c.name))
		}
	}
	op := "s." + quote(opColumn)
	var b strings.Builder
	b.WriteString("MERGE INTO " + table + " AS t USING (SELECT " + exprs(cols) + ", " + quote(opColumn) +
		" FROM " + changes + " QUALIFY ROW_NUMBER() OVER (PARTITION BY " + quoteAll(key) +
		" ORDER BY " + quote(seqColumn) + " DESC) = 1) AS s ON " + strings.Join(on, " AND "))
	b.WriteString(" WHEN MATCHED AND " + op + " = '" + opDelete + "' THEN DELETE")
	if len(set) > 0 {
		b.WriteString(" WHEN MATCHED THEN UPDATE SET " + strings.Join(set, ", "))
	}
	b.WriteString(" WHEN NOT MATCHED AND " + op + " <> '" + opDelete + "' THEN INSERT (" + names(cols) +
		") VALUES (" + strings.Join(vals, ", ") + ")")
	return b.String()
}

// appendSQL appends the upserts of the changes table to a table without key,
// in the order they were written.
func appendSQL(table, changes string, cols []column) string {
	return "INSERT INTO " + table + " (" + names(cols) + ") SELECT " + exprs(cols) + " FROM " + changes +
		" WHERE " + quote(opColumn) + " = '" + opUpsert + "' ORDER BY " + quote(seqColumn)
}

func names(cols []column) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quote(c.name)
	}
	return strings.Join(q, ", ")
}

func exprs(cols []column) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		if c.json {
			q[i] = c.expr() + " AS " + quote(c.name)
		} else {
			q[i] = c.expr()
		}
	}
	return strings.Join(q, ", ")
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
