// Reads Parquet files with DuckDB's read_parquet, as an independent check of the
// files Trestle writes (internal/testenv/duckdb.go runs it; see testenv.DuckDB).
//
// Usage: node read.mjs FILE.parquet...
// TRESTLE_DUCKDB_DIR names the folder where package.json's dependencies were
// installed (npm install; its node_modules is not in the repository).
//
// Prints one JSON document: {"duckdbVersion": ..., "files": [{"path", "count",
// "columns", "types", "rows"}...]}. count is SELECT count(*); types are DuckDB's
// type names; rows are the rows in file order, each an array of the values of
// getRowsJson: BIGINT, DECIMAL, DATE and TIMESTAMP[ WITH TIME ZONE] as strings
// (the last in UTC), INTEGER and DOUBLE as numbers, LIST as an array, MAP as an
// array of {"key", "value"}, STRUCT as an object, NULL as null. The Go doc of
// testenv.DuckDBFile lists them with examples; internal/testenv/duckdb_test.go
// checks them.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.TRESTLE_DUCKDB_DIR;
if (!dir) {
  console.error("read.mjs: TRESTLE_DUCKDB_DIR is not set");
  process.exit(2);
}
// @duckdb/node-api prints TIMESTAMP WITH TIME ZONE values with the offset of
// Node's time zone, read when the module loads: pin it to UTC before importing,
// so that the output does not depend on the machine.
process.env.TZ = "UTC";
const require = createRequire(join(dir, "package.json"));
const { DuckDBInstance } = await import(pathToFileURL(require.resolve("@duckdb/node-api")).href);

const quote = (s) => "'" + s.replaceAll("'", "''") + "'";

const instance = await DuckDBInstance.create(":memory:");
const conn = await instance.connect();
const version = (await conn.runAndReadAll("SELECT version()")).getRows()[0][0];
const files = [];
for (const path of process.argv.slice(2)) {
  const src = `read_parquet(${quote(path)})`;
  const count = (await conn.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRows()[0][0];
  const reader = await conn.runAndReadAll(`SELECT * FROM ${src}`);
  files.push({
    path,
    count: Number(count),
    columns: reader.columnNames(),
    types: reader.columnTypes().map((t) => t.toString()),
    rows: reader.getRowsJson(),
  });
}
conn.closeSync?.();
process.stdout.write(JSON.stringify({ duckdbVersion: version, files }) + "\n");
