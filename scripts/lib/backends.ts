// Demo/test service nodes, one child process each (so a test can SIGKILL one).
// Every node answers with its name, address and version label and has a small
// control path: /__ctl/delay?ms=, /__ctl/status?code=, /__ctl/version?v=,
// /__ctl/reset, /__ctl/stats; and /slow?ms= delays a single request. /healthz
// answers health probes (forced status and delay apply) and counts them apart
// from served traffic (`probes`, `probeLog` in /__ctl/stats).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { joinHostPort } from "./net";

const NODE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "backend-node.mjs");

export interface BackendNode {
  name: string;
  host: string;
  port: number;
  /** host:port as it goes into the gateway */
  addr: string;
  url: string;
  version: string;
  pid: number;
}

export interface BackendsOptions {
  host?: string;
  ports: number[];
  version?: string;
  names?: string[];
  log?: (line: string) => void;
}

export interface BackendsHandle {
  nodes: BackendNode[];
  addrs: string[];
  node(port: number): BackendNode;
  /** SIGKILL (default) the node on `port` and wait until it is gone */
  kill(port: number, signal?: NodeJS.Signals): Promise<void>;
  /** start the node on `port` again (after kill) */
  restart(port: number): Promise<BackendNode>;
  /** GET /__ctl/<what> on the node, e.g. control(8081, "delay?ms=200") */
  control(port: number, what: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hook = false;

function installExitHook(): void {
  if (hook) return;
  hook = true;
  process.on("exit", () => {
    for (const c of live) {
      try {
        c.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
  });
}

interface Running {
  node: BackendNode;
  child: ChildProcess;
  exited: Promise<void>;
}

async function spawnNode(host: string, port: number, name: string, version: string, log: (l: string) => void): Promise<Running> {
  const child = spawn(process.execPath, [NODE_SCRIPT, host, String(port), name, version], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  installExitHook();
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      live.delete(child);
      resolve();
    }),
  );
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => log(`[${name}] ${d.trimEnd()}`));
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`backend ${name} did not start`)), 10_000);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (d: string) => {
      buf += d;
      if (buf.includes("READY")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`backend ${name} exited with ${code}`));
    });
  });
  const addr = joinHostPort(host, port);
  return { node: { name, host, port, addr, url: `http://${addr}`, version, pid: child.pid ?? -1 }, child, exited };
}

export async function startBackends(opts: BackendsOptions): Promise<BackendsHandle> {
  const host = opts.host ?? "127.0.0.1";
  const version = opts.version ?? "v1";
  const log = opts.log ?? (() => {});
  const byPort = new Map<number, Running>();
  const names = new Map<number, string>();
  opts.ports.forEach((p, i) => names.set(p, opts.names?.[i] ?? `node-${p}`));

  try {
    const started = await Promise.all(opts.ports.map((p) => spawnNode(host, p, names.get(p)!, version, log)));
    for (const r of started) byPort.set(r.node.port, r);
  } catch (err) {
    for (const c of live) c.kill("SIGKILL");
    throw err;
  }

  const handle: BackendsHandle = {
    get nodes() {
      return opts.ports.map((p) => byPort.get(p)!.node);
    },
    get addrs() {
      return opts.ports.map((p) => byPort.get(p)!.node.addr);
    },
    node(port) {
      const r = byPort.get(port);
      if (!r) throw new Error(`no backend on port ${port}`);
      return r.node;
    },
    async kill(port, signal = "SIGKILL") {
      const r = byPort.get(port);
      if (!r) throw new Error(`no backend on port ${port}`);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
      await r.exited;
    },
    async restart(port) {
      const r = byPort.get(port);
      if (!r) throw new Error(`no backend on port ${port}`);
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill("SIGKILL");
        await r.exited;
      }
      const again = await spawnNode(host, port, r.node.name, r.node.version, log);
      byPort.set(port, again);
      return again.node;
    },
    async control(port, what) {
      const res = await fetch(`${handle.node(port).url}/__ctl/${what}`);
      return (await res.json()) as Record<string, unknown>;
    },
    async stop() {
      await Promise.all(
        [...byPort.values()].map(async (r) => {
          if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGTERM");
          const done = await Promise.race([r.exited.then(() => true), new Promise((res) => setTimeout(() => res(false), 2000))]);
          if (!done) {
            r.child.kill("SIGKILL");
            await r.exited;
          }
        }),
      );
    },
  };
  return handle;
}
