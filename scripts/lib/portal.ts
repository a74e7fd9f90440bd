// Starts the portal's production build (`next start`) as a child process group and
// stops it again. Shared by `npm run demo` and the Playwright global setup.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./gateway";

const SOURCE_DIRS = ["app", "lib", "messages", "i18n"];
const SOURCE_FILES = ["next.config.js", "proxy.ts", "instrumentation.ts", "package-lock.json", "postcss.config.mjs"];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p)) {
    if (entry === "generated" || entry === "node_modules") continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** True when `.next` holds a production build newer than every source file. */
export function buildIsFresh(): boolean {
  const buildId = path.join(REPO_ROOT, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return false;
  const built = statSync(buildId).mtimeMs;
  const sources = [...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newestMtime(path.join(REPO_ROOT, p)));
  return Math.max(...sources) <= built;
}

/** Runs `next build` when the production build is missing or older than the sources. */
export function ensureBuild(log: (line: string) => void = console.log): void {
  if (buildIsFresh()) return;
  log("portal: building the production bundle (next build, ~1 min on 2 cores)…");
  const res = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "next"), ["build"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  if (res.status !== 0) throw new Error("portal: `next build` failed; see the output above");
}

export interface PortalHandle {
  url: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export async function startPortal(opts: {
  host: string;
  port: number;
  env: Record<string, string>;
  logFile: string;
  /** public URL for next-auth callbacks (default http://host:port) */
  publicUrl?: string;
}): Promise<PortalHandle> {
  const url = opts.publicUrl ?? `http://${opts.host}:${opts.port}`;
  const child = spawn(
    path.join(REPO_ROOT, "node_modules", ".bin", "next"),
    ["start", "-p", String(opts.port), "-H", opts.host],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXTAUTH_URL: url, ...opts.env },
    },
  );
  const log = createWriteStream(opts.logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const handle: PortalHandle = { url, child, logFile: opts.logFile, stop: () => stopProcessGroup(child) };
  try {
    await waitForHttp(`http://${opts.host}:${opts.port}/login`, child, opts.logFile);
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

export async function waitForHttp(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`portal: exited with code ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`portal: no answer on ${url} within ${timeoutMs} ms; see ${logFile}`);
}

/** SIGTERM the child's process group, SIGKILL after 5 s. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** next-auth credentials sign-in over HTTP: csrf token + cookie, then the callback; returns the Cookie header. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: header() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/services`, json: "true" }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.endsWith("next-auth.session-token"))) {
    throw new Error(`sign-in failed: HTTP ${res.status} ${res.headers.get("location") ?? ""}, no session cookie`);
  }
  return header();
}
