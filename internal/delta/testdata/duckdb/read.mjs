// Reads Parquet files with DuckDB's read_parquet, as an independent check of the
// files internal/delta writes (duckdb_test.go runs it).
//
// Usage: node read.mjs FILE.parquet...
// TRESTLE_DUCKDB_DIR names the folder where package.json's dependencies were
// installed (npm install; its node_modules is not in the repository).
//
// Prints one JSON document: {"duckdbVersion": ..., "files": [{"path", "count",
// "columns", "types", "rows"}...]}. count is SELECT count(*); rows are the rows in
// file order, each an array of JSON values (BIGINT as a decimal string, NULL as null).
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.TRESTLE_DUCKDB_DIR;
if (!dir) {
  console.error("read.mjs: TRESTLE_DUCKDB_DIR is not set");
  process.exit(2);
}
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
