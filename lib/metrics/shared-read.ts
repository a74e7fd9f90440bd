// One read shared by every caller of a portal process: concurrent callers wait for the same
// promise, and later callers reuse its result until it is `ttlMs` old. Pages and polling
// routes read the gateways and the database through it, so N viewers cost one read per TTL,
// not N. Kept on globalThis so route handlers and server components (separate module graphs
// in a Next.js server) share one cache.

type Entry = { at: number; value?: unknown; pending?: Promise<unknown>; ttlMs: number };

const store: Map<string, Entry> = ((globalThis as unknown as { graylaneSharedReads?: Map<string, Entry> }).graylaneSharedReads ??= new Map());

/** Entries older than this are swept on the next write, so keys of ended releases do not pile up. */
const SWEEP_AFTER_MS = 60_000;
let lastSweep = 0;

function sweep(now: number): void {
  if (now - lastSweep < SWEEP_AFTER_MS) return;
  lastSweep = now;
  for (const [k, e] of store) if (!e.pending && now - e.at > Math.max(e.ttlMs, SWEEP_AFTER_MS)) store.delete(k);
}

export async function sharedRead<T>(key: string, ttlMs: number, read: () => Promise<T>, now: () => number = Date.now): Promise<T> {
  const e = store.get(key);
  if (e?.pending) return e.pending as Promise<T>;
  if (e && "value" in e && now() - e.at < ttlMs) return e.value as T;
  const started = now();
  sweep(started);
  const pending = read().then(
    (value) => {
      // An invalidation while the read ran dropped this entry: do not resurrect a stale value.
      if (store.get(key)?.pending === pending) store.set(key, { at: started, value, ttlMs });
      return value;
    },
    (err: unknown) => {
      if (store.get(key)?.pending === pending) store.delete(key);
      throw err;
    },
  );
  store.set(key, { at: started, pending, ttlMs });
  return pending;
}

/** Forgets one key (or every key with the prefix), e.g. after a change the next read must see. */
export function invalidateShared(keyOrPrefix: string, opts: { prefix?: boolean } = {}): void {
  if (!opts.prefix) {
    store.delete(keyOrPrefix);
    return;
  }
  for (const k of store.keys()) if (k.startsWith(keyOrPrefix)) store.delete(k);
}
