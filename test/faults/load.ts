// Continuous client load through the gateways: a few keep-alive loops at a modest rate, each
// request to the next gateway in rotation. A gateway taken out of rotation (as a load
// balancer would before maintenance) gets no new requests.
import http from "node:http";

export type LoadFailure = { at: number; gateway: string; status: number | null; error: string | null };

export class Load {
  requests = 0;
  failures: LoadFailure[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private inRotation: Set<string>;
  private inFlight = new Map<string, number>();
  private next = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private gateways: { name: string; proxyUrl: () => string }[],
    private host: string,
    private opts: { workers: number; pauseMs: number },
  ) {
    this.inRotation = new Set(gateways.map((g) => g.name));
  }

  start(): void {
    for (let i = 0; i < this.opts.workers; i++) this.loops.push(this.loop());
  }

  /** Out of rotation; resolves when its requests in flight are done. */
  async drain(name: string): Promise<void> {
    this.inRotation.delete(name);
    while ((this.inFlight.get(name) ?? 0) > 0) await new Promise((r) => setTimeout(r, 10));
    // Its idle keep-alive sockets are never reused while it is out of rotation; nginx closes them when it stops.
  }

  restore(name: string): void {
    this.inRotation.add(name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.agent.destroy();
  }

  private pick() {
    const live = this.gateways.filter((g) => this.inRotation.has(g.name));
    return live[this.next++ % live.length];
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const g = this.pick();
      this.inFlight.set(g.name, (this.inFlight.get(g.name) ?? 0) + 1);
      const res = await this.get(g.proxyUrl());
      this.inFlight.set(g.name, this.inFlight.get(g.name)! - 1);
      this.requests++;
      if (res.status !== 200) this.failures.push({ at: Date.now(), gateway: g.name, ...res });
      await new Promise((r) => setTimeout(r, this.opts.pauseMs));
    }
  }

  private get(proxyUrl: string): Promise<{ status: number | null; error: string | null }> {
    const u = new URL(proxyUrl);
    return new Promise((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, path: "/", headers: { host: this.host }, agent: this.agent }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on("error", (e) => resolve({ status: res.statusCode ?? null, error: e.message }));
      });
      req.setTimeout(5000, () => req.destroy(new Error("timeout")));
      req.on("error", (e) => resolve({ status: null, error: e.message }));
      req.end();
    });
  }
}
