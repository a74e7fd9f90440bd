// A password in front of the embedded database. PGlite accepts any user without a password
// (it trusts whoever reaches its socket), so the demo serves PGlite on a Unix socket in a
// private (0700) directory and puts this gate on 127.0.0.1: each client authenticates with
// SCRAM-SHA-256 (what PostgreSQL itself uses; the password never crosses the wire), then its
// bytes are piped to PGlite unchanged. A wrong or missing password gets PostgreSQL's own
// error (28P01) and the connection is closed before PGlite sees a byte.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import net from "node:net";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const ITERATIONS = 4096;
const HANDSHAKE_TIMEOUT_MS = 10_000;

const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

function authMessage(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(9 + data.length);
  out.write("R", 0);
  out.writeInt32BE(8 + data.length, 1);
  out.writeInt32BE(code, 5);
  data.copy(out, 9);
  return out;
}

function errorMessage(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [["S", "FATAL"], ["V", "FATAL"], ["C", code], ["M", message]].map(([k, v]) => Buffer.from(`${k}${v}\0`, "utf8")).concat([Buffer.from([0])]),
  );
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

function startupParams(msg: Buffer): Record<string, string> {
  const parts = msg.subarray(8).toString("utf8").split("\0");
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}

function scramAttrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) out[part[0]] = part.slice(2);
  }
  return out;
}

type Stage = "startup" | "sasl-initial" | "sasl-response";

/** One client connection: handshake, then a plain pipe to `upstream()`. */
function serve(client: net.Socket, password: string, upstream: () => net.Socket): void {
  let buf = Buffer.alloc(0);
  let stage: Stage = "startup";
  let startup: Buffer | null = null;
  let user = "";
  let clientFirstBare = "";
  let serverFirst = "";
  let nonce = "";
  let gs2Header = "";
  const salt = randomBytes(16);
  const saltedPassword = pbkdf2Sync(password.normalize("NFKC"), salt, ITERATIONS, 32, "sha256");
  const timer = setTimeout(() => client.destroy(), HANDSHAKE_TIMEOUT_MS);

  const refuse = (code: string, message: string) => {
    clearTimeout(timer);
    client.off("data", onData);
    client.end(errorMessage(code, message));
  };

  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    try {
      for (;;) {
        if (stage === "startup") {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (len < 8 || len > 10_000) return refuse("08P01", "invalid startup packet");
          if (buf.length < len) return;
          const msg = buf.subarray(0, len);
          buf = buf.subarray(len);
          const code = msg.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            client.write("N"); // no TLS on the loopback gate; the client goes on in clear
            continue;
          }
          if (code === CANCEL_REQUEST) return refuse("08P01", "cancel requests are not supported");
          if (code !== PROTOCOL_3) return refuse("08P01", "unsupported protocol version");
          startup = Buffer.from(msg);
          user = startupParams(msg).user ?? "";
          client.write(authMessage(10, Buffer.from("SCRAM-SHA-256\0\0")));
          stage = "sasl-initial";
          continue;
        }
        // Regular messages: type byte + int32 length.
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0]);
        const len = buf.readInt32BE(1);
        if (len < 4 || len > 10_000) return refuse("08P01", "invalid message length");
        if (buf.length < 1 + len) return;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type !== "p") return refuse("28000", "expected a SASL message");

        if (stage === "sasl-initial") {
          const nul = body.indexOf(0);
          const mechanism = body.subarray(0, nul).toString("utf8");
          if (mechanism !== "SCRAM-SHA-256") return refuse("28000", `unsupported SASL mechanism ${mechanism}`);
          const dataLen = body.readInt32BE(nul + 1);
          const clientFirst = body.subarray(nul + 5, nul + 5 + Math.max(dataLen, 0)).toString("utf8");
          // gs2 header: "n,," or "y,," (no channel binding over a clear loopback socket).
          const m = /^([ny]),,(.*)$/.exec(clientFirst);
          if (!m) return refuse("28000", "channel binding is not supported");
          gs2Header = `${m[1]},,`;
          clientFirstBare = m[2];
          const clientNonce = scramAttrs(clientFirstBare).r;
          if (!clientNonce) return refuse("08P01", "malformed SCRAM client-first-message");
          nonce = clientNonce + randomBytes(18).toString("base64");
          serverFirst = `r=${nonce},s=${salt.toString("base64")},i=${ITERATIONS}`;
          client.write(authMessage(11, Buffer.from(serverFirst)));
          stage = "sasl-response";
          continue;
        }

        // sasl-response: check the proof.
        const clientFinal = body.toString("utf8");
        const attrs = scramAttrs(clientFinal);
        const withoutProof = clientFinal.replace(/,p=[^,]*$/, "");
        const ok = (() => {
          if (attrs.r !== nonce || attrs.c !== Buffer.from(gs2Header).toString("base64") || !attrs.p) return false;
          const auth = `${clientFirstBare},${serverFirst},${withoutProof}`;
          const storedKey = sha256(hmac(saltedPassword, "Client Key"));
          const signature = hmac(storedKey, auth);
          const proof = Buffer.from(attrs.p, "base64");
          if (proof.length !== signature.length) return false;
          const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]));
          return timingSafeEqual(sha256(clientKey), storedKey);
        })();
        if (!ok) return refuse("28P01", `password authentication failed for user "${user}"`);
        const serverSignature = hmac(hmac(saltedPassword, "Server Key"), `${clientFirstBare},${serverFirst},${withoutProof}`);
        client.write(authMessage(12, Buffer.from(`v=${serverSignature.toString("base64")}`)));
        clearTimeout(timer);
        client.off("data", onData);
        connect();
        return;
      }
    } catch {
      refuse("08P01", "malformed message");
    }
  };

  // Authenticated: PGlite answers the original startup message (AuthenticationOk, parameters,
  // ReadyForQuery) and everything after it flows through unchanged.
  const connect = () => {
    const db = upstream();
    db.on("error", () => client.destroy());
    client.on("error", () => db.destroy());
    db.on("close", () => client.destroy());
    client.on("close", () => db.destroy());
    db.write(startup!);
    if (buf.length) db.write(buf);
    client.pipe(db);
    db.pipe(client);
  };

  client.on("data", onData);
  client.on("error", () => clearTimeout(timer));
  client.on("close", () => clearTimeout(timer));
}

export type PasswordGate = { port: number; close(): Promise<void> };

/**
 * Listens on `host:port` (loopback only) and hands every client that proves `password`
 * to the Unix socket `socketPath`.
 */
export async function startPasswordGate(opts: { host: string; port: number; password: string; socketPath: string }): Promise<PasswordGate> {
  if (!["127.0.0.1", "::1", "localhost"].includes(opts.host)) throw new Error(`the embedded database listens on loopback only, not ${opts.host}`);
  if (!opts.password) throw new Error("the embedded database needs a password");
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    serve(client, opts.password, () => net.connect(opts.socketPath));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
