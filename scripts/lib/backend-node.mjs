// One demo/test service node: a plain node:http server in its own process, so
// a test can SIGKILL it. Plain JavaScript (no tsx) so it starts in ~50 ms.
// Usage: node backend-node.mjs <host> <port> <name> <version>
import http from "node:http";

const [host, portArg, name, initialVersion] = process.argv.slice(2);
const port = Number(portArg);
const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

const ctl = { delayMs: 0, status: 0, version: initialVersion || "v1" };
const counters = { served: 0, inFlight: 0, maxInFlight: 0, probes: 0 };
// times (ms since epoch) of the last health probes, newest last
const probeLog = [];
const PROBE_LOG_MAX = 500;

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-backend-name": name,
    "x-backend-addr": addr,
    "x-backend-version": ctl.version,
  });
  res.end(text);
}

function control(url, res) {
  const q = url.searchParams;
  switch (url.pathname) {
    case "/__ctl/delay":
      ctl.delayMs = Math.max(0, Number(q.get("ms") ?? 0) || 0);
      break;
    case "/__ctl/status":
      ctl.status = Number(q.get("code") ?? 0) || 0;
      break;
    case "/__ctl/version":
      ctl.version = q.get("v") || ctl.version;
      break;
    case "/__ctl/reset":
      ctl.delayMs = 0;
      ctl.status = 0;
      counters.served = 0;
      counters.maxInFlight = 0;
      counters.probes = 0;
      probeLog.length = 0;
      break;
    case "/__ctl/stats":
      break;
    default:
      return json(res, 404, { error: "unknown control path" });
  }
  return json(res, 200, { name, addr, version: ctl.version, ...ctl, ...counters, probeLog });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname.startsWith("/__ctl/")) return control(url, res);
  // health probe path: counted apart from served traffic, honours the forced status and delay
  if (url.pathname === "/healthz") {
    counters.probes++;
    probeLog.push(Date.now());
    if (probeLog.length > PROBE_LOG_MAX) probeLog.shift();
    req.resume();
    const answer = () => json(res, ctl.status || 200, { name, addr, version: ctl.version, healthy: !ctl.status || ctl.status < 400 });
    if (ctl.delayMs > 0) setTimeout(answer, ctl.delayMs);
    else answer();
    return;
  }
  counters.served++;
  counters.inFlight++;
  counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
  let delay = ctl.delayMs;
  if (url.pathname === "/slow") delay += Number(url.searchParams.get("ms") ?? 1000) || 0;
  const finish = () => {
    counters.inFlight--;
    const status = ctl.status || 200;
    const wantsText = url.searchParams.get("format") === "text" || (req.headers.accept ?? "").startsWith("text/plain");
    if (wantsText) {
      const text = `${name} ${addr} ${ctl.version}\n`;
      res.writeHead(status, {
        "content-type": "text/plain",
        "content-length": Buffer.byteLength(text),
        "x-backend-name": name,
        "x-backend-addr": addr,
        "x-backend-version": ctl.version,
      });
      res.end(text);
      return;
    }
    json(res, status, {
      name,
      addr,
      version: ctl.version,
      method: req.method,
      path: url.pathname,
      host: req.headers.host ?? null,
      realIp: req.headers["x-real-ip"] ?? null,
    });
  };
  req.resume();
  req.on("end", () => (delay > 0 ? setTimeout(finish, delay) : finish()));
});
server.keepAliveTimeout = 10_000;
server.headersTimeout = 15_000;
server.listen({ host, port }, () => {
  process.stdout.write(`READY ${port}\n`);
});
server.on("error", (err) => {
  process.stderr.write(`backend ${addr}: ${err.message}\n`);
  process.exit(1);
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
