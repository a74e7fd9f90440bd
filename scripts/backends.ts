// `npm run backends`: demo service nodes that answer with their name, address
// and version label (see scripts/lib/backends.ts for the control paths).
//   GRAYLANE_BACKENDS         host:port list (default 127.0.0.1:8081,127.0.0.1:8082,127.0.0.1:8083)
//   GRAYLANE_BACKEND_VERSION  version label   (default v1)
// Arguments override the env: `npm run backends -- 127.0.0.1:9001 127.0.0.1:9002 --version v2`.
import { startBackends, type BackendsHandle } from "./lib/backends";
import { splitHostPort } from "./lib/net";

function log(level: "info" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level, component: "backends", msg, ...fields }) + "\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let version = process.env.GRAYLANE_BACKEND_VERSION || "v1";
  const addrs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--version") version = args[++i] ?? version;
    else addrs.push(...args[i].split(",").filter(Boolean));
  }
  if (!addrs.length) addrs.push(...(process.env.GRAYLANE_BACKENDS || "127.0.0.1:8081,127.0.0.1:8082,127.0.0.1:8083").split(",").map((s) => s.trim()).filter(Boolean));

  // startBackends takes one host; group the addresses by host
  const byHost = new Map<string, number[]>();
  for (const a of addrs) {
    const { host, port } = splitHostPort(a);
    byHost.set(host, [...(byHost.get(host) ?? []), port]);
  }
  const handles: BackendsHandle[] = [];
  for (const [host, ports] of byHost) {
    handles.push(await startBackends({ host, ports, version, log: (line) => log("info", "node", { line }) }));
  }
  for (const h of handles) for (const n of h.nodes) log("info", "node ready", { name: n.name, addr: n.addr, version: n.version, pid: n.pid });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { signal });
    await Promise.all(handles.map((h) => h.stop()));
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((e) => {
  log("error", "failed to start", { error: String(e instanceof Error ? e.message : e) });
  process.exit(1);
});
