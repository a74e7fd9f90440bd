// A local HTTP receiver for webhook tests: records every request (raw body, headers, URL)
// and answers with the next scripted status (then 200).
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { url: string; headers: http.IncomingHttpHeaders; body: string; at: number };

export type Receiver = {
  url: string;
  received: Received[];
  /** Statuses to answer with, in order; after them 200. */
  script: number[];
  /** Body of 200 answers (robots answer {"code":0} / {"errcode":0}). */
  okBody: string;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: "",
    received: [],
    script: [],
    okBody: "{}",
    async waitFor(n, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (r.received.length < n) {
        if (Date.now() > end) throw new Error(`receiver: ${r.received.length} of ${n} requests after ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 20));
      }
      return r.received;
    },
    stop: () => new Promise((res) => server.close(() => res())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      r.received.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const status = r.script.shift() ?? 200;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 200 ? r.okBody : JSON.stringify({ error: "scripted" }));
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}
