// The demo's own entries in the portal's database: gateway "local" and service "demo".
// Kept apart from scripts/demo.ts so a test can run it against a scratch database.

/** Registers the local gateway and the `demo` service in the portal's database and pushes it. */
export async function registerDemo(adminUrl: string, proxyUrl: string, token: string, addrs: string[], say: (line: string) => void = () => {}): Promise<void> {
  // Imported late: these modules read DATABASE_URL and the secret key from the environment.
  const { db } = await import("../../lib/db");
  const { decrypt } = await import("../../lib/crypto");
  const { createService, SYSTEM_ACTOR } = await import("../../lib/services");
  const { syncGatewayNow } = await import("../../lib/reconcile/sync");
  const { createServiceSchema } = await import("../../lib/validations/node");
  const { createGateway, updateGateway } = await import("../../lib/gateways/registry");
  const { createGatewaySchema, updateGatewaySchema } = await import("../../lib/validations/gateway");
  try {
    // Through the same schema and registry functions as the Gateways page: URL checks
    // (scheme://host:port, GRAYLANE_GATEWAY_ALLOW) and an audit event.
    const fields = { name: "local", adminUrl, proxyUrl, token };
    let gw: { id: string } | null = await db.gateway.findUnique({ where: { name: "local" } });
    if (!gw) {
      gw = await createGateway(SYSTEM_ACTOR, createGatewaySchema.parse(fields));
      say("portal: registered gateway \"local\"");
    } else {
      const stored = await db.gateway.findUniqueOrThrow({ where: { id: gw.id } });
      let storedToken = "";
      try {
        storedToken = decrypt(stored.tokenEnc);
      } catch {
        // a new GRAYLANE_SECRET_KEY: store the token again
      }
      if (stored.adminUrl !== adminUrl || stored.proxyUrl !== proxyUrl || storedToken !== token) {
        await updateGateway(SYSTEM_ACTOR, updateGatewaySchema.parse({ id: gw.id, ...fields }));
      }
    }
    if (!(await db.service.findUnique({ where: { name: "demo" } }))) {
      const input = createServiceSchema.parse({
        name: "demo",
        algorithm: "round_robin",
        nodes: addrs.map((addr) => ({ addr, weight: 1, state: "active", backup: false })),
      });
      await createService(db, SYSTEM_ACTOR, input);
      say(`portal: created service "demo" with ${addrs.length} nodes`);
    }
    // The gateway may have restarted with an older snapshot: bring it to the desired state.
    await syncGatewayNow(db, SYSTEM_ACTOR, gw.id);
  } finally {
    await db.$disconnect(); // the embedded database serves one session: hand it to the portal
  }
}
