package sqlserver

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// The statements the sink runs, built by pure functions so that they can be
// tested without a server. Every identifier goes through quoteIdent and every
// name inside a string literal through quoteString.

// Names of the changes table of an incremental load and of its own columns.
const (
	changesTable = "#trestle_changes" // a temporary table: one per connection
	seqColumn    = "__trestle_seq"    // the change's position in the load
	opColumn     = "__trestle_op"     // opUpsert or opDelete
	// typeProperty is the extended property holding a column's Delta type.
	typeProperty = "trestle_type"
)

// Operations in the changes table.
const (
	opUpsert = 0
	opDelete = 1
)

// Suffixes of the tables a full load swaps.
const (
	stagingSuffix = "__staging"
	oldSuffix     = "__old"
)

// maxNameChars is the longest identifier SQL Server takes (sysname).
const maxNameChars = 128

// quoteIdent delimits an identifier with brackets, doubling any ']'.
func quoteIdent(name string) string {
	return "[" + strings.ReplaceAll(name, "]", "]]") + "]"
}

// quoteString writes s as a Unicode string literal, doubling any quote.
func quoteString(s string) string {
	return "N'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// qualified is schema.name, both delimited.
func qualified(schema, name string) string {
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// checkName rejects names SQL Server cannot hold.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("name is empty")
	}
	if n := len(utf16.Encode([]rune(name))); n > maxNameChars {
		return fmt.Errorf("name %q has %d characters; SQL Server allows %d", name, n, maxNameChars)
	}
	return nil
}

// foldName is the form of a name under which SQL Server's usual
// case-insensitive collations consider two names equal.
func foldName(name string) string { return strings.ToLower(name) }

// createSchemaSQL creates the schema when it is missing (CREATE SCHEMA must
// be alone in its batch, hence EXEC).
func createSchemaSQL(schema string) string {
	return "IF SCHEMA_ID(" + quoteString(schema) + ") IS NULL EXEC(" + quoteString("CREATE SCHEMA "+quoteIdent(schema)) + ")"
}

// columnDef is one column's definition; key columns are NOT NULL (a primary
// key needs it) unless nullable is set.
func columnDef(c column, nullable bool) string {
	null := " NULL"
	if c.key && !nullable {
		null = " NOT NULL"
	}
	return quoteIdent(c.name) + " " + c.sqlType + null
}

// keyList quotes and joins the key columns, in the key's order.
func keyList(cols []column) string {
	var keys []string
	for _, c := range cols {
		if c.key {
			keys = append(keys, "")
		}
	}
	for _, c := range cols {
		if c.key {
			keys[c.keyPos] = quoteIdent(c.name)
		}
	}
	return strings.Join(keys, ", ")
}

// createTableSQL creates a table; withKey adds the PRIMARY KEY constraint
// (named by SQL Server, so that the names never collide during a swap).
func createTableSQL(schema, table string, cols []column, withKey bool) string {
	defs := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		defs = append(defs, columnDef(c, false))
	}
	if keys := keyList(cols); withKey && keys != "" {
		defs = append(defs, "PRIMARY KEY ("+keys+")")
	}
	return "CREATE TABLE " + qualified(schema, table) + " (" + strings.Join(defs, ", ") + ")"
}

// dropTableSQL drops a table if it exists (SQL Server 2016 and later).
func dropTableSQL(schema, table string) string {
	return "DROP TABLE IF EXISTS " + qualified(schema, table)
}

// addPrimaryKeySQL adds the primary key of a full load's staging table, after
// its rows are in (building the index once is faster than keeping it while
// loading); "" when the table has no key.
func addPrimaryKeySQL(schema, table string, cols []column) string {
	keys := keyList(cols)
	if keys == "" {
		return ""
	}
	return "ALTER TABLE " + qualified(schema, table) + " ADD PRIMARY KEY (" + keys + ")"
}

// typePropertiesSQL records each column's Delta type as its trestle_type
// extended property, in one batch.
func typePropertiesSQL(schema, table string, cols []column) string {
	stmts := make([]string, len(cols))
	for i, c := range cols {
		stmts[i] = "EXEC sys.sp_addextendedproperty @name = " + quoteString(typeProperty) +
			", @value = " + quoteString(c.deltaType) +
			", @level0type = N'SCHEMA', @level0name = " + quoteString(schema) +
			", @level1type = N'TABLE', @level1name = " + quoteString(table) +
			", @level2type = N'COLUMN', @level2name = " + quoteString(c.name)
	}
	return strings.Join(stmts, ";\n")
}

// swapSQL replaces table by its staging table. The statements run in one
// transaction: the old table is renamed <table>__old, the staging table
// renamed <table>, and the old one dropped. Renaming (rather than ALTER
// SCHEMA TRANSFER, which moves a table between schemas and would need a
// second schema the login may not be allowed to create) keeps everything in
// the destination's schema; the rename and the drop take schema locks, so
// readers wait for the commit and then see the new table. A <table>__old
// left by an earlier failure is dropped first.
func swapSQL(schema, table string) []string {
	old, staging := table+oldSuffix, table+stagingSuffix
	return []string{
		dropTableSQL(schema, old),
		"IF OBJECT_ID(" + quoteString(qualified(schema, table)) + ", N'U') IS NOT NULL EXEC sp_rename " +
			quoteString(qualified(schema, table)) + ", " + quoteString(old) + ", N'OBJECT'",
		"EXEC sp_rename " + quoteString(qualified(schema, staging)) + ", " + quoteString(table) + ", N'OBJECT'",
		dropTableSQL(schema, old),
	}
}

// columnsSQL lists a table's columns; its one parameter is the table's
// qualified, delimited name. No rows means no such table.
const columnsSQL = "SELECT name FROM sys.columns WHERE object_id = OBJECT_ID(@p1, N'U') ORDER BY column_id"

// missingColumns returns the columns of cols that have is lacks (names
// compared without case, as SQL Server's usual collations do).
func missingColumns(have []string, cols []column) []column {
	present := make(map[string]bool, len(have))
	for _, h := range have {
		present[foldName(h)] = true
	}
	var out []column
	for _, c := range cols {
		if !present[foldName(c.name)] {
			out = append(out, c)
		}
	}
	return out
}

// addColumnSQL adds a column to an existing table; it is nullable, since
// the table may hold rows.
func addColumnSQL(schema, table string, c column) string {
	return "ALTER TABLE " + qualified(schema, table) + " ADD " + columnDef(c, true)
}

// createChangesSQL creates the changes table of an incremental load: the
// table's columns, all nullable (a delete carries only the key), text
// columns in the database's collation rather than tempdb's, so that keys
// compare as in the table, then the position and the operation.
func createChangesSQL(cols []column) string {
	defs := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		def := quoteIdent(c.name) + " " + c.sqlType
		if strings.HasPrefix(c.sqlType, "nvarchar") {
			def += " COLLATE DATABASE_DEFAULT"
		}
		defs = append(defs, def+" NULL")
	}
	defs = append(defs, quoteIdent(seqColumn)+" bigint NOT NULL", quoteIdent(opColumn)+" tinyint NOT NULL")
	return "CREATE TABLE " + changesTable + " (" + strings.Join(defs, ", ") + ")"
}

// dropChangesSQL drops the changes table if it exists.
const dropChangesSQL = "DROP TABLE IF EXISTS " + changesTable

// applySQL returns the statements applying the changes table to table, in
// order, in one transaction. With a key: keep only the last change of each
// key (ROW_NUMBER over the key, latest position first), delete the rows
// whose last change is a delete, then MERGE the upserts (update the rows
// that exist, insert the others). Without a key, the upserts are appended
// in order.
func applySQL(schema, table string, cols []column) []string {
	target := qualified(schema, table)
	names := make([]string, len(cols))
	fromChanges := make([]string, len(cols))
	var match, set []string
	for i, c := range cols {
		q := quoteIdent(c.name)
		names[i] = q
		fromChanges[i] = "c." + q
		if c.key {
			match = append(match, "t."+q+" = c."+q)
		} else {
			set = append(set, "t."+q+" = c."+q)
		}
	}
	list := strings.Join(names, ", ")
	seq, op := quoteIdent(seqColumn), quoteIdent(opColumn)
	if len(match) == 0 {
		return []string{"INSERT INTO " + target + " (" + list + ") SELECT " + list + " FROM " + changesTable +
			" WHERE " + op + fmt.Sprintf(" = %d ORDER BY ", opUpsert) + seq}
	}
	on := strings.Join(match, " AND ")
	merge := "MERGE INTO " + target + " WITH (HOLDLOCK) AS t USING (SELECT " + list + " FROM " + changesTable +
		" WHERE " + op + fmt.Sprintf(" = %d", opUpsert) + ") AS c ON " + on
	if len(set) > 0 {
		merge += " WHEN MATCHED THEN UPDATE SET " + strings.Join(set, ", ")
	}
	merge += " WHEN NOT MATCHED BY TARGET THEN INSERT (" + list + ") VALUES (" + strings.Join(fromChanges, ", ") + ");"
	return []string{
		"WITH numbered AS (SELECT ROW_NUMBER() OVER (PARTITION BY " + keyList(cols) + " ORDER BY " + seq +
			" DESC) AS rn FROM " + changesTable + ") DELETE FROM numbered WHERE rn > 1",
		"DELETE t FROM " + target + " AS t INNER JOIN " + changesTable + " AS c ON " + on +
			" WHERE c." + op + fmt.Sprintf(" = %d", opDelete),
		merge,
	}
}
