// Package source reads the rows of a customer's system of record for
// QuickConnect: a query on a SQL database (PostgreSQL, MySQL/MariaDB, SQL
// Server, SQLite), or a CSV or JSON file fetched over HTTP(S), read from a
// local path or from an S3 object. Rows are streamed, one at a time: a source
// is never loaded whole.
//
// # Use
//
//	src, err := source.Open(ctx, cfg, source.Options{Secrets: secrets, Previous: last})
//	if err != nil { ... }                   // unreachable, access denied, bad query, HTTP 500 ...
//	defer src.Close()
//	if src.Unchanged() { ... }              // same file as last time: nothing to do
//	cols := src.Columns()                   // check the mapping's columns before reading
//	for row, err := range src.Rows(ctx) {
//		if err != nil { ... }               // the read failed: stop, change nothing
//		v, ok := row.Get("employee_id")     // case-insensitive; row.Origin() for messages
//	}
//	last = src.Fingerprint()                // store it once the run has succeeded
//
// # Configuration
//
// A Config is one source read: one query, or one file. It decodes from YAML
// (see ParseConfig); kind may be left out when driver (sql) or url/path (file)
// says it.
//
//	kind: sql
//	driver: postgres            # postgres | mysql (also MariaDB) | sqlserver | sqlite
//	dsn: postgres://erp_reader:${ERP_DB_PASSWORD}@erp.internal:5432/erp?sslmode=require
//	query: SELECT employee_id, first_name, last_name, pay_rate FROM employees
//	connect_timeout: 30s        # default 30s; bounds connecting, not the query
//
// The dsn is the driver's own: a URL or key=value string for PostgreSQL (pgx),
// user:password@tcp(host:3306)/db for MySQL (go-sql-driver/mysql; parseTime is
// always turned on), sqlserver://user:password@host?database=db or
// server=...;user id=...;password=... for SQL Server (go-mssqldb), a file path
// or file: URI for SQLite. The query runs in a read-only transaction where the
// database has one (BEGIN READ ONLY on PostgreSQL, START TRANSACTION READ ONLY
// on MySQL/MariaDB; SQLite opens the file with mode=ro and query_only); on SQL
// Server, which has no read-only transaction, in an ordinary one that is
// always rolled back: give QuickConnect a login that can only read. Column
// names must be distinct (without regard to case): use AS.
//
//	kind: file
//	url: https://files.example.com/export/employees.csv
//	# format: csv | json | ndjson; by default from the name's extension, then
//	# the Content-Type, then the first byte ('[' or '{' is JSON)
//	headers: {X-Api-Key: "${ROSTER_API_KEY}"}
//	auth:
//	  bearer: secret:roster_token          # or username + password (basic auth)
//	csv:                        # used if the file is CSV
//	  delimiter: ";"            # default ","; "\t" or "tab" for tab
//	json:                       # used if the file is JSON
//	  nested: flatten           # flatten (default) | json
//
// The file comes from url, which is http(s)://..., s3://bucket/key or
// file:///path, or from path, a local file. For S3, endpoint and region are
// set as in internal/blob/bloburl (s3://bucket/key?endpoint=http://host:7070&region=us-east-1)
// or under s3: (endpoint, region, virtual_host, access_key, secret_key);
// without keys the default AWS chain (environment, instance role) is used.
//
// # Secrets
//
// Any value except query may refer to secrets instead of holding them:
// "${VAR}" is replaced by the environment variable VAR, "${secret:name}" and a
// whole value "secret:name" by the entry name of the secrets file (a YAML
// mapping of names to strings, see LoadSecrets); "$${" stands for a literal
// "${". A missing variable or entry is an error that names it. Secrets never
// appear in messages: DSNs go through MaskDSN, URLs through StripURL, and every
// error is scrubbed of the secret values the configuration holds.
//
// # Values
//
// Row.Get returns the values as the source gives them, in Go types:
//
//   - SQL: int64 (all integer types; a MySQL BIGINT UNSIGNED above int64 is a
//     string), float64 (float, double, real), string (text types, and DECIMAL,
//     NUMERIC and MONEY, exactly as the database prints them, e.g. "32.50";
//     UUIDs, including SQL Server's uniqueidentifier, as text), bool
//     (PostgreSQL boolean; MySQL's BOOLEAN is a TINYINT, so int64), time.Time
//     (date, datetime, timestamp; a date is midnight UTC), []byte (binary types:
//     bytea, blob, varbinary...), nil for NULL. Other types come as the driver
//     gives them, text as string.
//   - CSV: string, exactly as written (an empty field is ""; quotes removed).
//   - JSON: string, bool, nil for null, int64 for an integer that fits, float64
//     for other numbers (an integer too large for int64 keeps its digits as a
//     string). With nested: flatten (the default) an object's fields become
//     columns named with dots ({"address": {"city": "X"}} gives "address.city";
//     an empty object gives no column) and arrays are kept as compact JSON text
//     ("[1,2]"); with nested: json, objects and arrays are both kept as compact
//     JSON text under their own key.
//
// # Files
//
// CSV: the first record is the header (names trimmed of spaces; none empty, none
// repeated); every record has as many fields as the header; the file is UTF-8,
// and a byte-order mark is skipped. JSON: either an array of objects or a
// stream of objects (NDJSON, one object per line), told apart by the first byte
// whatever format says; read with a streaming decoder. An empty file is an
// error (an empty array is no rows). Errors give the line: "line 7: the record
// has 4 fields, the header has 5".
//
// # Unchanged sources
//
// Fingerprint identifies what was read: for HTTP the ETag and Last-Modified
// the server sent, for S3 the object's ETag, for a local file its size and
// modification time; and the SHA-256 of the content (for SQL, of the columns
// and rows), once it has been read to the end. Given back as Options.Previous
// it makes Open ask for the file only if it changed (If-None-Match /
// If-Modified-Since over HTTP, If-None-Match on S3, the checksum for a local
// file); an unchanged file is reported by Unchanged and no row is read. A
// query, or a file served without ETag and Last-Modified, cannot be found
// unchanged before reading; SameContent compares the checksums after
// reading, so that a caller can skip applying rows it has already applied.
// Store a fingerprint only once the run that used its rows has succeeded.
package source
