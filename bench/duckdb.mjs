// Converts one flat file to zstd Parquet with DuckDB, the reference the
// benchmark compares `orderhist import` to. Usage: node duckdb.mjs IN OUT
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const q = (s) => `'${s.replaceAll("'", "''")}'`;
await conn.run(`COPY (SELECT * FROM read_csv(${q(input)}, delim='\t', quote='', escape='', header=true)) TO ${q(output)} (FORMAT parquet, COMPRESSION zstd)`);
