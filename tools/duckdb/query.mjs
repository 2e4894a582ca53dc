// query.mjs runs one SQL statement with DuckDB (an independent Parquet reader
// used by dalesim's tests) and prints the result rows as a JSON array.
//
//   node tools/duckdb/query.mjs "SELECT count(*) AS n FROM read_parquet('x.parquet')"
//
// Exit status 0 on success; on a DuckDB error the message goes to stderr and
// the status is 1.
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
  process.stderr.write('usage: node query.mjs "SQL"\n');
  process.exit(2);
}
try {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll(sql);
  process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\n');
  conn.closeSync();
} catch (err) {
  process.stderr.write(`duckdb: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
}
