#!/usr/bin/env node
// Graylane's stand-in for Prisma's native `schema-engine` binary.
//
// Why this exists: the machines we build on reach the npm registry but not
// binaries.prisma.sh, so the stock CLI cannot download `schema-engine`, which
// `prisma migrate …`, `db push|pull` and `migrate diff` all spawn. Prisma
// publishes the same engine compiled to WebAssembly (@prisma/schema-engine-wasm);
// it talks to the database through a JS driver adapter instead of its own
// drivers. This script runs that engine over @prisma/adapter-pg and speaks the
// native binary's protocol, so the unmodified CLI cannot tell the difference.
// prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY here.
//
// The protocol, as the CLI (node_modules/prisma/build/cli.js) uses it:
//   <bin> --version                            → "schema-engine-cli <commit>" on stdout
//   <bin> --datasource <json> cli <command>    → one-shot: can-connect-to-database,
//        create-database, drop-database. Exit 0 on success. On failure the CLI
//        drops the first stderr line and parses every other line as a JSON log
//        record; it looks for level ERROR, target schema_engine::logger and
//        fields.error_code / fields.message.
//   <bin> [--datamodels <path>]… --datasource <json>
//        → JSON-RPC 2.0, one JSON object per line on stdin/stdout, until stdin
//        closes. Method names are the engine's (applyMigrations, diff, …).
//        Errors: code 4466, data { is_panic, message, error_code?, meta? }.
//        `diff` hands its output to the CLI as a separate `print` request that
//        the CLI answers before we send the diff's own reply.
//   stderr carries JSON log lines ({ level, target, fields: { message } }).
//
// The datasource JSON is prisma.config.ts's `datasource`: { url, shadowDatabaseUrl? }.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";

// ---------------------------------------------------------------------------
// Logging: the CLI reads stderr line by line as JSON records.

function log(level, message, extra = {}) {
  const record = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...extra },
    target: "schema_engine::logger",
  };
  process.stderr.write(JSON.stringify(record) + "\n");
}

// ---------------------------------------------------------------------------
// Argument parsing (the flags the CLI passes; unknown ones are ignored the way
// the native engine ignores features it does not need).

function parseArgs(argv) {
  const args = { datamodels: [], datasource: null, cli: null, version: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--version" || arg === "-V") args.version = true;
    else if (arg === "--datamodels") args.datamodels.push(argv[++i]);
    else if (arg === "--datasource") args.datasource = JSON.parse(argv[++i]);
    else if (arg === "--enabled-preview-features" || arg === "--extension-types") i++;
    else if (arg === "cli") {
      args.cli = argv[++i];
      break;
    }
  }
  return args;
}

// ---------------------------------------------------------------------------
// Loading the WebAssembly engine.
//
// The package's entry does `import * as wasm from "./x.wasm"`, which Node 20
// only allows behind --experimental-wasm-modules. We do the same wiring by
// hand: instantiate the module with the JS glue as its import object.

const wasmPackageDir = fileURLToPath(
  new URL(".", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
);
const wasmPackageVersion = JSON.parse(readFileSync(wasmPackageDir + "package.json", "utf8")).version;
// "7.10.0-4.<commit>": the commit identifies the engine build, like the native --version.
const engineCommit = wasmPackageVersion.split(".").pop();

// A Rust panic in the engine reports its message here just before it turns
// into a WebAssembly "unreachable" trap; toRpcError() picks it up.
let lastPanicMessage = null;
globalThis.PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message) {
    lastPanicMessage = message;
  },
};

async function loadSchemaEngine() {
  const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = readFileSync(wasmPackageDir + "schema_engine_bg.wasm");
  const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue.SchemaEngine;
}

// ---------------------------------------------------------------------------
// Connection settings.

/** pg settings for a Prisma-style postgres URL (`?schema=` becomes search_path). */
function pgConfig(url) {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema");
  // Prisma-only parameters that pg would otherwise send to the server as settings.
  for (const key of ["schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size"]) {
    parsed.searchParams.delete(key);
  }
  const config = { connectionString: parsed.toString(), Client: CatalogTypesClient };
  if (schema) config.options = `-c search_path="${schema.replace(/"/g, '""')}"`;
  return { config, schema: schema ?? undefined };
}

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = "/" + encodeURIComponent(name);
  return parsed.toString();
}

const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

// ---------------------------------------------------------------------------
// Catalog column types.
//
// The engine reads pg_catalog columns whose types @prisma/adapter-pg refuses
// ("Unsupported column type"): "char" (OID 18, e.g. pg_constraint.contype) and
// internal types such as regproc or pg_node_tree. A pg.Client subclass relabels
// them before the adapter sees the result: they become text (pg already returns
// their text form as strings), and the positions of "char" columns are recorded
// on the rows array so queryRaw can report them as Character columns, which is
// what the engine expects for single-character fields.

const CHAR_OID = 18;
const TEXT_OID = 25;
const CHAR_COLUMNS = Symbol("graylane.charColumns");
// Internal PostgreSQL types that have a text form but no adapter mapping.
const INTERNAL_TYPE_OIDS = new Set([
  22, // int2vector
  24, // regproc
  27, // tid
  28, // xid
  29, // cid
  30, // oidvector
  194, // pg_node_tree
  1033, // aclitem
  2202, // regprocedure
  2203, // regoper
  2204, // regoperator
  2205, // regclass
  2206, // regtype
  3361, // pg_ndistinct
  3402, // pg_dependencies
  3734, // regconfig
  3769, // regdictionary
  4089, // regnamespace
  4096, // regrole
  5017, // pg_mcv_list
  5069, // xid8
]);

function relabelCatalogTypes(result) {
  if (Array.isArray(result)) return result.forEach(relabelCatalogTypes);
  if (!result || !Array.isArray(result.fields)) return;
  const charColumns = [];
  result.fields.forEach((field, index) => {
    if (field.dataTypeID === CHAR_OID) {
      charColumns.push(index);
      field.dataTypeID = TEXT_OID;
    } else if (INTERNAL_TYPE_OIDS.has(field.dataTypeID)) {
      field.dataTypeID = TEXT_OID;
    }
  });
  if (charColumns.length > 0 && Array.isArray(result.rows)) {
    Object.defineProperty(result.rows, CHAR_COLUMNS, { value: charColumns });
  }
}

class CatalogTypesClient extends pg.Client {
  query(config, values, callback) {
    // Streams (cursors) and anything else exotic pass through untouched.
    if (config && typeof config.submit === "function") return super.query(config, values, callback);
    const cb = typeof values === "function" ? values : callback;
    if (cb) {
      const wrapped = (err, result) => {
        if (!err) relabelCatalogTypes(result);
        cb(err, result);
      };
      return typeof values === "function"
        ? super.query(config, wrapped)
        : super.query(config, values, wrapped);
    }
    return super.query(config, values).then((result) => {
      relabelCatalogTypes(result);
      return result;
    });
  }
}

const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

/** Report recorded "char" columns as Character in a queryable's results. */
function withCharacterColumns(queryable) {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of result.rows[CHAR_COLUMNS] ?? []) result.columnTypes[index] = CHARACTER_COLUMN;
    return result;
  };
  return queryable;
}

/**
 * Patch an adapter from @prisma/adapter-pg for the engine's use.
 * - executeScript: the adapter splits scripts on ";", which breaks function
 *   bodies ($$ … ; … $$) in migrations. Postgres's simple-query protocol runs a
 *   multi-statement script as-is (one implicit transaction, like the native
 *   engine), so send it whole.
 * - catalog types: see above; transactions get the same treatment.
 */
function patchAdapter(adapter) {
  const pool = adapter.underlyingDriver();
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      adapter.onError(error); // throws the adapter's DriverAdapterError
    }
  };
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) =>
    withCharacterColumns(await startTransaction(isolationLevel));
  return withCharacterColumns(adapter);
}

async function connectAdapter(url, poolMax) {
  const { config, schema } = pgConfig(url);
  if (poolMax) config.max = poolMax;
  const factory = new PrismaPg(config, schema ? { schema } : undefined);
  return patchAdapter(await factory.connect());
}

// ---------------------------------------------------------------------------
// PGlite (embedded Postgres over pglite-socket) runs one session and ignores
// the database name: it gets a single pool connection, and its shadow database
// is a fresh in-memory PGlite served on a free port for the life of the request.

async function detectPglite(url) {
  const client = new pg.Client({ connectionString: pgConfig(url).config.connectionString });
  try {
    await client.connect();
    const { rows } = await client.query("select version() as v");
    return /PGlite/i.test(rows[0].v);
  } catch {
    return false; // unreachable: let the engine report the connection error
  } finally {
    await client.end().catch(() => {});
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startInMemoryPglite() {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1" });
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

// ---------------------------------------------------------------------------
// The adapter factory handed to the engine. The engine calls connect() for the
// main database and connectToShadowDb() when `migrate dev`/`diff` need a
// scratch database to replay migrations into.

/** Shadow databases this process created and has not dropped yet. */
const liveShadows = new Set();

class BridgeAdapterFactory {
  provider = "postgres";
  adapterName = "@prisma/adapter-pg";

  constructor(datasource, isPglite) {
    this.url = datasource.url;
    this.shadowUrl = datasource.shadowDatabaseUrl;
    this.isPglite = isPglite;
  }

  connect() {
    return connectAdapter(this.url, this.isPglite ? 1 : undefined);
  }

  async connectToShadowDb() {
    if (this.shadowUrl) return connectAdapter(this.shadowUrl);
    if (this.isPglite) return this.connectToPgliteShadow();
    return this.connectToThrowawayShadow();
  }

  async connectToPgliteShadow() {
    const shadow = await startInMemoryPglite();
    const adapter = await connectAdapter(shadow.url, 1);
    const dispose = adapter.dispose.bind(adapter);
    const entry = { drop: () => shadow.stop() };
    liveShadows.add(entry);
    adapter.dispose = async () => {
      await dispose();
      liveShadows.delete(entry);
      await shadow.stop();
    };
    return adapter;
  }

  async connectToThrowawayShadow() {
    const name = `prisma_shadow_${Date.now()}_${randomBytes(4).toString("hex")}`;
    await runAdmin(this.url, `CREATE DATABASE ${quoteIdent(name)}`);
    const entry = { drop: () => runAdmin(this.url, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`) };
    liveShadows.add(entry);
    const adapter = await connectAdapter(withDatabase(this.url, name));
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      // End our own pool first, then drop; FORCE covers stragglers.
      await dispose();
      liveShadows.delete(entry);
      await entry.drop();
    };
    return adapter;
  }
}

/** Run one statement on the server of `url`, connected to that database. */
async function runAdmin(url, sql) {
  const client = new pg.Client({ connectionString: pgConfig(url).config.connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropLiveShadows() {
  const entries = [...liveShadows];
  liveShadows.clear();
  await Promise.allSettled(entries.map((entry) => entry.drop()));
}

// ---------------------------------------------------------------------------
// Errors.
//
// Map a pg/adapter error to the user-facing Prisma error codes the CLI knows.

function knownErrorCode(error) {
  const cause = error?.cause ?? error;
  const code = cause?.code ?? cause?.originalCode;
  if (code === "3D000") return "P1003"; // database does not exist
  if (code === "28P01" || code === "28000") return "P1000"; // authentication failed
  if (code === "42501") return "P1010"; // access denied
  if (["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET"].includes(code)) return "P1001";
  return undefined;
}

function describeConnectionError(error, url) {
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || 5432}`;
  switch (knownErrorCode(error)) {
    case "P1001":
      return `Can't reach database server at \`${where}\`\n\nPlease make sure your database server is running at \`${where}\`.`;
    case "P1003":
      return `Database \`${databaseName(url)}\` does not exist on the database server at \`${where}\`.`;
    case "P1000":
      return `Authentication failed against database server at \`${where}\`, the provided database credentials for \`${decodeURIComponent(parsed.username)}\` are not valid.`;
    default:
      return error?.message ?? String(error);
  }
}

/** The error-capturing adapter factory handed to the engine (see getEngine). */
let adapterFactory = null;

/**
 * Errors thrown by our adapter reach the engine as "External error id#N";
 * the factory's registry still holds the original, which names the real cause.
 */
function externalError(message) {
  const match = /External error id#(\d+)/.exec(message);
  const record = match && adapterFactory?.errorRegistry.consumeError(Number(match[1]));
  return record ? record.error : null;
}

/**
 * The wasm engine rejects with a JS Error whose message is either the
 * user-facing text or a JSON document of the engine's error shape
 * ({ is_panic, message, error_code, meta }); accept both.
 */
function toRpcError(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    const message = lastPanicMessage ?? error.message;
    return { code: 4466, message, data: { is_panic: true, message, backtrace: error.stack } };
  }
  let data;
  const original = externalError(error?.message ?? "");
  if (original) error = original;
  const message = error?.message ?? String(error);
  try {
    const parsed = JSON.parse(message);
    if (parsed && typeof parsed === "object" && "message" in parsed) data = parsed;
  } catch {
    // plain text message
  }
  if (!data) {
    const errorCode = knownErrorCode(error);
    data = { is_panic: error instanceof WebAssembly.RuntimeError, message, ...(errorCode ? { error_code: errorCode } : {}) };
  }
  if (data.is_panic === undefined) data.is_panic = false;
  return { code: 4466, message: "An error happened. Check the data field for details.", data };
}

// ---------------------------------------------------------------------------
// evaluateDataLoss.
//
// `migrate dev` asks, before generating a migration, how many steps it would
// have and whether they lose data in the development database. The wasm engine
// of 7.10 fails this whenever migrations exist ("PostgreSQL shadow DB must be
// provided through an external factory"): unlike diff and devDiagnostic, its
// evaluateDataLoss does not use the adapter's shadow database. So we compute
// the same answer from parts that work:
//   - the steps: `diff` from the migrations (replayed in a shadow database) to
//     the schema, as a script; every step starts with a "-- Kind" comment;
//   - the warnings: the destructive statements of that script, each checked
//     against the rows the development database holds, worded like Prisma's.
// The engine itself assumes the database matches the migration history at this
// point of `migrate dev` (it has just applied them), and so do we.

async function evaluateDataLoss(engine, params) {
  try {
    return await engine.evaluateDataLoss(params);
  } catch (error) {
    if (!needsShadow(error)) throw error;
  }
  const { stdout } = await engine.diff({
    from: { tag: "migrations", ...params.migrationsList },
    to: { tag: "schemaDatamodel", files: params.schema.files },
    script: true,
    exitCode: null,
    filters: params.filters,
  });
  const script = stdout ?? "";
  const steps = script.split("\n").filter((line) => /^-- [A-Z][A-Za-z]+$/.test(line.trim())).length;
  if (steps === 0) return { migrationSteps: 0, warnings: [], unexecutableSteps: [] };
  const { warnings, unexecutableSteps } = await checkDestructiveSteps(script, adapterFactoryUrl);
  return { migrationSteps: steps, warnings, unexecutableSteps };
}

const needsShadow = (error) => /shadow DB must be provided/.test(error?.message ?? "");

/**
 * createMigration replays the migrations into a shadow database too, and in
 * the wasm engine it only manages that once devDiagnostic has set a shadow
 * database up in the same engine (which the CLI's `migrate dev` does first,
 * except on a database that has no migrations applied yet). When it fails
 * for that reason, run the read-only devDiagnostic ourselves and retry.
 */
async function createMigration(engine, params) {
  try {
    return await engine.createMigration(params);
  } catch (error) {
    if (!needsShadow(error)) throw error;
  }
  await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
  return engine.createMigration(params);
}

/** The URL the main adapter connects to (set in getEngine). */
let adapterFactoryUrl = null;

async function checkDestructiveSteps(script, url) {
  const warnings = [];
  const unexecutableSteps = [];
  const client = new pg.Client(pgConfig(url).config);
  await client.connect();
  const count = async (sql) => Number((await client.query(sql)).rows[0].n);
  const rows = (table) => count(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
  const values = (table, column) =>
    count(`SELECT count(${quoteIdent(column)}) AS n FROM ${quoteIdent(table)}`);
  const nulls = (table, column) =>
    count(`SELECT count(*) AS n FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NULL`);
  try {
    // Steps are separated by their "-- Kind" comments; one step may hold
    // several clauses (ALTER TABLE "T" DROP COLUMN "a", ADD COLUMN "b" …).
    const stepTexts = script.split(/^-- [A-Z][A-Za-z]+$/m).slice(1);
    for (const [stepIndex, text] of stepTexts.entries()) {
      const warn = (message) => warnings.push({ message, stepIndex });
      const refuse = (message) => unexecutableSteps.push({ message, stepIndex });
      const tableMatch = /(?:ALTER TABLE|DROP TABLE|ON) "([^"]+)"/.exec(text);
      const table = tableMatch?.[1];
      if (!table || !(await tableExists(client, table))) continue;

      if (/^\s*DROP TABLE/m.test(text)) {
        const n = await rows(table);
        if (n > 0) warn(`You are about to drop the \`${table}\` table, which is not empty (${n} rows).`);
        continue;
      }
      for (const [, column] of text.matchAll(/DROP COLUMN "([^"]+)"/g)) {
        const n = await values(table, column);
        if (n > 0) {
          warn(`You are about to drop the column \`${column}\` on the \`${table}\` table, which still contains ${n} non-null values.`);
        }
      }
      for (const [, column] of text.matchAll(/ALTER COLUMN "([^"]+)" (?:SET DATA )?TYPE/g)) {
        const n = await values(table, column);
        if (n > 0) {
          warn(`You are about to alter the column \`${column}\` on the \`${table}\` table, which contains ${n} non-null values. The data in that column will be cast to the new type.`);
        }
      }
      for (const [, column] of text.matchAll(/ALTER COLUMN "([^"]+)" SET NOT NULL/g)) {
        const n = await nulls(table, column);
        if (n > 0) refuse(`Made the column \`${column}\` on table \`${table}\` required, but there are ${n} existing NULL values.`);
      }
      for (const [clause, column] of text.matchAll(/ADD COLUMN "([^"]+)"[^,;]*/g)) {
        if (/NOT NULL/.test(clause) && !/DEFAULT/.test(clause)) {
          const n = await rows(table);
          if (n > 0) {
            refuse(`Added the required column \`${column}\` to the \`${table}\` table without a default value. There are ${n} rows in this table, it is not possible to execute this step.`);
          }
        }
      }
      const unique = /CREATE UNIQUE INDEX "[^"]+" ON "[^"]+"\(([^)]+)\)/.exec(text);
      if (unique && (await rows(table)) > 0) {
        const columns = unique[1].replace(/"/g, "").split(/,\s*/).join(",");
        warn(`A unique constraint covering the columns \`[${columns}]\` on the table \`${table}\` will be added. If there are existing duplicate values, this will fail.`);
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
  return { warnings, unexecutableSteps };
}

async function tableExists(client, table) {
  const { rows } = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [quoteIdent(table)]);
  return rows[0].present;
}

// ---------------------------------------------------------------------------
// `cli` sub-commands: one-shot, plain pg; the CLI only looks at the exit code
// and, on failure, at the JSON log lines after the first stderr line.

async function runCliCommand(command, datasource) {
  const url = datasource.url;
  const name = databaseName(url);
  try {
    switch (command) {
      case "can-connect-to-database":
        await runAdmin(url, "select 1");
        return;
      case "create-database":
        await runAdmin(withDatabase(url, "postgres"), `CREATE DATABASE ${quoteIdent(name)}`);
        process.stdout.write(`Database '${name}' was successfully created.\n`);
        return;
      case "drop-database":
        await runAdmin(withDatabase(url, "postgres"), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        process.stdout.write(`The database '${name}' was successfully dropped.\n`);
        return;
      default:
        throw new Error(`Unknown cli command: ${command}`);
    }
  } catch (error) {
    process.stderr.write(`schema-engine bridge: ${command} failed\n`);
    log("ERROR", describeConnectionError(error, url), { error_code: knownErrorCode(error) ?? "P1000" });
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------
// JSON-RPC server.

async function serve(args) {
  const SchemaEngine = await loadSchemaEngine();
  const datasource = args.datasource ?? {};
  const datamodels = args.datamodels.map((path) => [path, readFileSync(path, "utf8")]);
  // Without --datamodels (e.g. `migrate diff`) the native engine works from the
  // datasource alone; the wasm engine insists on at least one schema file.
  if (datamodels.length === 0) datamodels.push(["schema.prisma", 'datasource db {\n  provider = "postgresql"\n}\n']);

  let engine = null;
  async function getEngine() {
    if (engine) return engine;
    let isPglite;
    let source = datasource;
    if (!source.url) {
      // No DATABASE_URL: commands that only compare files (the drift check
      // `migrate diff --from-migrations … --to-schema …`) still need a database
      // to connect to and a shadow to replay migrations into. An in-memory
      // PGlite serves as both, so the check runs on a machine with no server.
      const scratch = await startInMemoryPglite();
      liveShadows.add({ drop: () => scratch.stop() });
      source = { url: scratch.url };
      isPglite = true;
    } else {
      isPglite = await detectPglite(source.url);
    }
    adapterFactoryUrl = source.url;
    adapterFactory = bindMigrationAwareSqlAdapterFactory(new BridgeAdapterFactory(source, isPglite));
    engine = await SchemaEngine.new({ datamodels }, engineLog, adapterFactory);
    return engine;
  }

  // Replies from the CLI to our own requests (only `print` today).
  const pendingReplies = new Map();
  let nextOwnId = 1_000_000;
  const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
  const askCli = (method, params) =>
    new Promise((resolve) => {
      const id = nextOwnId++;
      pendingReplies.set(id, resolve);
      send({ jsonrpc: "2.0", id, method, params });
    });

  let currentRequestId = null;
  async function handle(request) {
    const { id, method, params } = request;
    currentRequestId = id;
    try {
      const result = await dispatch(method, params ?? {});
      send({ jsonrpc: "2.0", id, result: result ?? {} });
    } catch (error) {
      send({ jsonrpc: "2.0", id, error: toRpcError(error) });
    } finally {
      currentRequestId = null;
    }
  }

  async function dispatch(method, params) {
    switch (method) {
      case "version":
        return `schema-engine-cli ${engineCommit}`;
      case "getDatabaseVersion":
        return (await getEngine()).version(params);
      case "debugPanic":
        throw Object.assign(new Error("This is the debugPanic artificial panic"), { name: "RuntimeError" });
      case "createDatabase": {
        const url = params.datasource?.url ?? datasource.url;
        const name = databaseName(url);
        await runAdmin(withDatabase(url, "postgres"), `CREATE DATABASE ${quoteIdent(name)}`);
        return { databaseName: name };
      }
      case "diff": {
        const result = await (await getEngine()).diff(params);
        // The native engine prints through the CLI and returns no stdout.
        if (result.stdout) await askCli("print", { content: result.stdout });
        return { exitCode: result.exitCode, stdout: null };
      }
      case "evaluateDataLoss":
        return evaluateDataLoss(await getEngine(), params);
      case "createMigration":
        return createMigration(await getEngine(), params);
      default: {
        const instance = await getEngine();
        if (typeof instance[method] !== "function") {
          throw new Error(`The schema engine bridge does not implement the method \`${method}\`.`);
        }
        return instance[method](params);
      }
    }
  }

  // A panic inside one of the engine's async tasks surfaces as an uncaught
  // WebAssembly trap. The engine is unusable afterwards (like the native one
  // after a panic): answer the request in flight with the panic, then exit 101.
  process.on("uncaughtException", (error) => {
    const message = lastPanicMessage ?? error?.stack ?? String(error);
    if (currentRequestId !== null) {
      send({ jsonrpc: "2.0", id: currentRequestId, error: toRpcError(error) });
    }
    log("ERROR", `schema engine panicked: ${message}`);
    dropLiveShadows().finally(() => process.exit(101));
  });

  // One request at a time, in order, like the native engine's stdio loop.
  let queue = Promise.resolve();
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on("line", (line) => {
    if (!line.trim()) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (message.method === undefined && pendingReplies.has(message.id)) {
      pendingReplies.get(message.id)(message.result);
      pendingReplies.delete(message.id);
      return;
    }
    queue = queue.then(() => handle(message));
  });

  // The CLI ends stdin to stop us: finish in-flight work, clean up, exit.
  await new Promise((resolve) => input.on("close", resolve));
  await queue;
  await dropLiveShadows();
  if (engine) engine.free();
}

function engineLog(line) {
  // The wasm engine hands us tracing output; pass it on in the native shape.
  let record;
  try {
    record = typeof line === "string" ? JSON.parse(line) : line;
  } catch {
    record = null;
  }
  if (record && typeof record === "object" && record.fields) {
    process.stderr.write(JSON.stringify(record) + "\n");
  } else if (process.env.GRAYLANE_SCHEMA_ENGINE_DEBUG) {
    log("DEBUG", String(line));
  }
}

// ---------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${engineCommit}\n`);
    return;
  }
  if (args.cli) {
    if (!args.datasource?.url) {
      process.stderr.write("schema-engine bridge: missing --datasource\n");
      log("ERROR", "The datasource url is missing: set DATABASE_URL.", { error_code: "P1012" });
      process.exitCode = 1;
      return;
    }
    await runCliCommand(args.cli, args.datasource);
    return;
  }
  await serve(args);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    dropLiveShadows().finally(() => process.exit(130));
  });
}

main().then(
  () => {
    // Open pools or timers must not keep a finished engine alive.
    setImmediate(() => process.exit(process.exitCode ?? 0));
  },
  (error) => {
    log("ERROR", error?.stack ?? String(error));
    dropLiveShadows().finally(() => process.exit(101));
  },
);
