// Launches one Graylane gateway: renders openresty/*.tmpl into its own prefix
// directory and runs nginx (or OpenResty) in the foreground as a child process.
// Used by `npm run gateway`, the demo and every test that needs a gateway.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { httpRequest } from "../../lib/http-request";
import { freePort, splitHostPort } from "./net";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TEMPLATE_DIR = path.join(REPO_ROOT, "openresty");
const LUA_DIR = path.join(REPO_ROOT, "lua");
const DEBIAN_MODULES = "/usr/lib/nginx/modules";

export interface NginxBinary {
  /** absolute path of the binary */
  bin: string;
  kind: "openresty" | "nginx";
  /** Debian nginx needs load_module lines for ndk + lua; OpenResty has them built in. */
  loadModules: boolean;
  modules: string[];
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/openresty/bin", "/usr/local/openresty/nginx/sbin"])) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/** OpenResty when an `openresty` binary is on PATH, else nginx with Debian's Lua modules. */
export function findNginx(): NginxBinary {
  const openresty = which("openresty");
  if (openresty) return { bin: openresty, kind: "openresty", loadModules: false, modules: [] };
  const nginx = which("nginx");
  if (!nginx) {
    throw new Error("no nginx found: run `apt-get install -y nginx-light libnginx-mod-http-lua lua-cjson` or put openresty on PATH");
  }
  const modules = ["ndk_http_module.so", "ngx_http_lua_module.so"].map((m) => path.join(DEBIAN_MODULES, m));
  const missing = modules.filter((m) => !fs.existsSync(m));
  if (missing.length) {
    throw new Error(`nginx found but Lua modules missing (${missing.join(", ")}): apt-get install -y libnginx-mod-http-lua`);
  }
  return { bin: nginx, kind: "nginx", loadModules: true, modules };
}

/** The shortest admin token a gateway starts with: a short bearer token can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** Why a token is refused, or null when it is long enough. */
export function tokenProblem(token: string): string | null {
  if (token.length >= MIN_TOKEN_LENGTH) return null;
  return `the admin token has ${token.length} characters; at least ${MIN_TOKEN_LENGTH} are required`;
}

/** True for a listener only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackListen(hostPort: string): boolean {
  const { host } = splitHostPort(hostPort);
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export interface WorkerUser {
  user: string;
  group: string;
  uid: number;
  gid: number;
}

/**
 * The unprivileged user nginx workers run as when the gateway is started as root:
 * `spec` ("user" or "user:group"), else GRAYLANE_USER, else nobody with its own group.
 */
export function resolveWorkerUser(spec?: string): WorkerUser {
  const want = spec || process.env.GRAYLANE_USER || "nobody";
  const [user, groupName] = want.split(":");
  const getent = (db: string, key: string): string[] | null => {
    try {
      return execFileSync("getent", [db, key], { encoding: "utf8" }).trim().split(":");
    } catch {
      return null;
    }
  };
  const pw = getent("passwd", user);
  if (!pw) throw new Error(`worker user ${user} does not exist (set GRAYLANE_USER to an existing unprivileged user)`);
  const uid = Number(pw[2]);
  if (uid === 0) throw new Error(`worker user ${user} is root: set GRAYLANE_USER to an unprivileged user`);
  const gr = getent("group", groupName ?? pw[3]);
  if (!gr) throw new Error(`group ${groupName ?? pw[3]} of worker user ${user} does not exist`);
  return { user, group: gr[0], uid, gid: Number(gr[2]) };
}

/** Throws unless `u` can reach `dir` (every parent searchable for it). */
function checkReachable(dir: string, u: WorkerUser, what: string): void {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const ok = st.uid === u.uid ? st.mode & 0o100 : st.gid === u.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) {
      throw new Error(
        `the ${what} ${dir} is not reachable for the nginx worker user ${u.user}: ${d} is mode ` +
          `${(st.mode & 0o777).toString(8)} (make it searchable, e.g. chmod o+x ${d}, or choose another place)`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

export interface GatewayOptions {
  /** proxy listener host:port (default 127.0.0.1:<free port>) */
  listen?: string;
  /** admin listener host:port (default 127.0.0.1:<free port>) */
  adminListen?: string;
  token: string;
  stateDir: string;
  workers?: number | "auto";
  /** prefix directory (default: a fresh temp dir, removed on stop) */
  prefix?: string;
  /** key for signed tester cookies (default: env GRAYLANE_TESTER_KEY) */
  testerKey?: string;
  /** accept node addresses in 169.254.0.0/16 and fe80::/10 (cloud metadata ranges); default GRAYLANE_ALLOW_LINK_LOCAL=1 */
  allowLinkLocal?: boolean;
  log?: (line: string) => void;
  /** lua_shared_dict sizes (defaults 10m / 20m / 64m) */
  stateDictSize?: string;
  statsDictSize?: string;
  /** cache of rendered /v1/stats and /metrics documents of big fleets */
  adminDictSize?: string;
  /** nginx worker user when started as root: "user" or "user:group" (default env GRAYLANE_USER, else nobody) */
  user?: string;
  /** extra nginx lines inside the proxy server block, e.g. locations that `set $graylane_service` */
  extraProxyConfig?: string;
  /** add X-Graylane-Worker: <pid> to proxied responses (tests) */
  debugHeaders?: boolean;
  connectTimeout?: string;
  readTimeout?: string;
  errorLogLevel?: "debug" | "info" | "notice" | "warn" | "error";
  /** how long to wait for the admin listener (ms, default 15000) */
  startTimeoutMs?: number;
}

export interface GatewayHandle {
  proxyUrl: string;
  adminUrl: string;
  token: string;
  prefix: string;
  stateDir: string;
  masterPid: number;
  /** nginx's own error log */
  errorLog: string;
  /** settles when the nginx master exits (exit code, or null when killed by a signal) */
  exited: Promise<number | null>;
  workerPids(): Promise<number[]>;
  reload(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The child pids of `pid` (Linux /proc), [] when it is gone. */
export function childrenOfSync(pid: number): number[] {
  try {
    const txt = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return txt ? txt.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test process dies without stop(): never leave nginx behind.
  process.on("exit", () => {
    for (const child of running) {
      if (child.pid === undefined) continue;
      const kids = childrenOfSync(child.pid);
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      for (const k of kids) {
        try {
          process.kill(k, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  });
}

/** A Lua string literal safe for any path or value. */
function luaString(s: string): string {
  let eq = "";
  while (s.includes(`]${eq}]`)) eq += "=";
  return `[${eq}[${s}]${eq}]`;
}

function render(tmpl: string, vars: Record<string, string>): string {
  return tmpl.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    if (!(k in vars)) throw new Error(`template variable ${k} not provided`);
    return vars[k];
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker count nginx reports (it resolves `auto` itself), or 0 while the admin API does not answer. */
async function adminWorkers(adminUrl: string, token: string): Promise<number> {
  // node:http, not fetch: fetch refuses port 6000 (the default admin port) as a "bad port".
  try {
    const res = await httpRequest(`${adminUrl}/v1/status`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 1000 });
    if (res.status !== 200) return 0;
    return (JSON.parse(res.text) as { workers?: number }).workers ?? 0;
  } catch {
    return 0;
  }
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no error log)";
  }
}

export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  if (!opts.token) throw new Error("startGateway: token is required");
  const weak = tokenProblem(opts.token);
  if (weak) throw new Error(`startGateway: ${weak}`);
  const nginx = findNginx();
  const listen = opts.listen ?? `127.0.0.1:${await freePort()}`;
  const adminListen = opts.adminListen ?? `127.0.0.1:${await freePort()}`;
  splitHostPort(listen);
  splitHostPort(adminListen);

  const ownsPrefix = !opts.prefix;
  const prefix = path.resolve(opts.prefix ?? (await fsp.mkdtemp(path.join(os.tmpdir(), "graylane-gw-"))));
  const stateDir = path.resolve(opts.stateDir);
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  for (const d of ["logs", "tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"]) {
    await fsp.mkdir(path.join(prefix, d), { recursive: true });
  }
  // As root, nginx runs its workers as an unprivileged user: they write the
  // snapshot into the state dir and buffer bodies under <prefix>/tmp (nginx
  // itself chowns the tmp dirs), so both must be theirs to reach.
  const worker = process.getuid?.() === 0 ? resolveWorkerUser(opts.user) : null;
  if (worker) {
    await fsp.chown(stateDir, worker.uid, worker.gid);
    await fsp.chmod(prefix, 0o755); // secrets inside stay 0600 root: only the master reads them
    checkReachable(stateDir, worker, "state dir");
    checkReachable(path.join(prefix, "tmp"), worker, "prefix");
  }

  // Secrets go to 0600 files read by init_by_lua, never onto nginx's command line.
  await fsp.writeFile(path.join(prefix, "admin.token"), opts.token + "\n", { mode: 0o600 });
  await fsp.chmod(path.join(prefix, "admin.token"), 0o600);
  const testerKey = opts.testerKey ?? process.env.GRAYLANE_TESTER_KEY;
  const keyFile = path.join(prefix, "tester.key");
  if (testerKey) {
    await fsp.writeFile(keyFile, testerKey + "\n", { mode: 0o600 });
    await fsp.chmod(keyFile, 0o600);
  } else {
    await fsp.rm(keyFile, { force: true });
  }

  const main: string[] = [];
  if (nginx.loadModules) for (const m of nginx.modules) main.push(`load_module ${m};`);
  if (worker) main.push(`user ${worker.user} ${worker.group};`);

  // the balancer reads $graylane_service only when some location sets it
  const serviceVar = /\$graylane_service\b/.test(opts.extraProxyConfig ?? "");
  const initOpts = `{ prefix = ${luaString(prefix)}, state_dir = ${luaString(stateDir)}, server = ${luaString(nginx.kind)}, service_var = ${serviceVar}, allow_link_local = ${opts.allowLinkLocal ?? process.env.GRAYLANE_ALLOW_LINK_LOCAL === "1"} }`;
  const conf = render(await fsp.readFile(path.join(TEMPLATE_DIR, "nginx.conf.tmpl"), "utf8"), {
    MAIN_DIRECTIVES: main.join("\n"),
    WORKERS: String(opts.workers ?? "auto"),
    PREFIX: prefix,
    ERROR_LOG_LEVEL: opts.errorLogLevel ?? "notice",
    LUA_DIR: LUA_DIR,
    STATE_DICT_SIZE: opts.stateDictSize ?? "10m",
    STATS_DICT_SIZE: opts.statsDictSize ?? "20m",
    ADMIN_DICT_SIZE: opts.adminDictSize ?? "64m",
    INIT_OPTS: initOpts,
    LISTEN: listen,
    ADMIN_LISTEN: adminListen,
    EXTRA_PROXY_CONFIG: opts.extraProxyConfig ?? "",
  });
  const proxyConf = render(await fsp.readFile(path.join(TEMPLATE_DIR, "graylane-proxy.conf.tmpl"), "utf8"), {
    CONNECT_TIMEOUT: opts.connectTimeout ?? "1s",
    READ_TIMEOUT: opts.readTimeout ?? "60s",
    DEBUG_HEADERS: opts.debugHeaders ? "add_header X-Graylane-Worker $pid always;" : "",
  });
  const confFile = path.join(prefix, "nginx.conf");
  await fsp.writeFile(confFile, conf);
  await fsp.writeFile(path.join(prefix, "graylane-proxy.conf"), proxyConf);
  const errorLog = path.join(prefix, "logs", "error.log");

  const log = opts.log ?? (() => {});
  const child = spawn(nginx.bin, ["-p", prefix + "/", "-c", confFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  installExitHook();
  running.add(child);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        log(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      hasExited = true;
      running.delete(child);
      resolve(code);
    });
  });
  const masterPid = child.pid;
  if (masterPid === undefined) throw new Error(`could not start ${nginx.bin}`);

  const adminUrl = `http://${adminListen}`;
  const proxyUrl = `http://${listen}`;

  const workerPids = async (): Promise<number[]> =>
    childrenOfSync(masterPid).filter((pid) => /^nginx: worker process$/.test(cmdline(pid)));


  const stop = async (): Promise<void> => {
    if (hasExited) return;
    const kids = childrenOfSync(masterPid);
    const signals: [NodeJS.Signals, number][] = [["SIGQUIT", 5000], ["SIGTERM", 3000], ["SIGKILL", 3000]];
    for (const [sig, wait] of signals) {
      try {
        process.kill(masterPid, sig);
      } catch {
        break;
      }
      const done = await Promise.race([exited.then(() => true), sleep(wait).then(() => false)]);
      if (done) break;
    }
    for (const k of kids) {
      try {
        process.kill(k, "SIGKILL"); // only if a worker outlived its master
      } catch {
        /* already gone */
      }
    }
    if (ownsPrefix) await fsp.rm(prefix, { recursive: true, force: true });
  };

  const timeout = opts.startTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeout;
  let expectedWorkers = 0;
  for (;;) {
    if (hasExited) {
      const why = tail(errorLog);
      if (ownsPrefix) await fsp.rm(prefix, { recursive: true, force: true });
      throw new Error(`nginx exited during start:\n${why}`);
    }
    expectedWorkers = await adminWorkers(adminUrl, opts.token);
    if (expectedWorkers > 0) break;
    if (Date.now() > deadline) {
      const why = tail(errorLog);
      await stop();
      throw new Error(`gateway admin ${adminUrl} did not answer within ${timeout} ms:\n${why}`);
    }
    await sleep(30);
  }
  // the admin answering means one worker is up; wait for all of them
  while ((await workerPids()).length < expectedWorkers && Date.now() < deadline) await sleep(20);

  const reload = async (): Promise<void> => {
    const before = new Set(await workerPids());
    process.kill(masterPid, "SIGHUP");
    const until = Date.now() + timeout;
    for (;;) {
      const now = await workerPids();
      if (now.length >= expectedWorkers && now.every((p) => !before.has(p)) && (await adminWorkers(adminUrl, opts.token)) > 0) return;
      if (hasExited) throw new Error(`nginx exited during reload:\n${tail(errorLog)}`);
      if (Date.now() > until) throw new Error(`reload did not finish within ${timeout} ms:\n${tail(errorLog)}`);
      await sleep(30);
    }
  };

  return { proxyUrl, adminUrl, token: opts.token, prefix, stateDir, masterPid, errorLog, exited, workerPids, reload, stop };
}
