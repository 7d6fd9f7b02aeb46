// node-postgres (--driver pg) or postgres.js (--driver postgres) behind the
// compat JSON-lines protocol: one request per line on stdin (connect, query,
// reset, version, close), one JSON reply per line on stdout. A query's reply
// carries each column's name and type OID (from RowDescription, as the driver
// reports it); an error's message is the server's primary message (both
// drivers' err.message is the ErrorResponse's M field).
'use strict';
const fs = require('fs');
const readline = require('readline');

const driver = process.argv[process.argv.indexOf('--driver') + 1];

function render(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return JSON.stringify(v.map(render));
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// A query's reply from the driver's column descriptions, the type OID under
// `oid`, and its rows (arrays of values).
function result(fields, oid, rows) {
  return {
    columns: fields.map((f) => f.name),
    types: fields.map((f) => f[oid]),
    rows: rows.map((r) => r.map(render)),
  };
}

function tls(r) {
  if (r.sslmode === 'disable') return false;
  if (r.sslmode === 'require') return { rejectUnauthorized: false };
  return { ca: fs.readFileSync(r.sslrootcert), servername: r.host === '127.0.0.1' ? undefined : r.host };
}

const clients = {
  pg: {
    pool: null,
    client: null,
    async connect(r) {
      const { Pool } = require('pg');
      this.pool = new Pool({
        host: r.host, port: r.port, user: r.user, password: r.password ?? undefined,
        database: r.dbname, ssl: tls(r), max: 1,
      });
      this.client = await this.pool.connect();
    },
    async query(sql, params) {
      const res = await this.client.query({ text: sql, values: params, rowMode: 'array' });
      return result(res.fields || [], 'dataTypeID', res.rows || []);
    },
    async reset() {
      this.client.release();
      this.client = await this.pool.connect();
    },
    version: () => require('pg/package.json').version,
    async close() {
      this.client.release();
      await this.pool.end();
    },
  },
  postgres: {
    sql: null,
    async connect(r) {
      const postgres = require('postgres');
      this.sql = postgres({
        host: r.host, port: r.port, user: r.user, password: r.password ?? undefined,
        database: r.dbname, ssl: tls(r), max: 1, onnotice: () => {},
      });
      await this.sql`select 1`;
    },
    async query(sql, params) {
      const res = await this.sql.unsafe(sql, params).values();
      return result(res.columns || [], 'type', res);
    },
    async reset() {
      throw new Error('not supported: postgres.js has no explicit pool reset');
    },
    version: () => JSON.parse(fs.readFileSync(require.resolve('postgres').replace(/cjs.*$/, 'package.json'))).version,
    async close() {
      await this.sql.end();
    },
  },
};

async function handle(client, req) {
  switch (req.op) {
    case 'connect': await client.connect(req); return { ok: true };
    case 'query': return { ok: true, ...(await client.query(req.sql, req.params || [])) };
    case 'reset': await client.reset(); return { ok: true };
    case 'version': return { ok: true, driver, version: client.version() };
    case 'close': await client.close(); return { ok: true };
    default: throw new Error(`not supported: ${req.op}`);
  }
}

async function main() {
  const client = clients[driver];
  if (!client) throw new Error(`unknown driver ${driver}`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    let reply;
    try {
      reply = await handle(client, JSON.parse(line));
    } catch (e) {
      const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : null;
      reply = { ok: false, error: { sqlstate, message: String(e.message || e) } };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  process.exit(0);
}

main();
