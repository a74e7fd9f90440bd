// Managed services (shared contract #2). The portal stamps every service it pushes with
// managed_by = PORTAL_MANAGER and names itself in MANAGER_HEADER on every write; a gateway
// then refuses other writers' changes to that service unless they are forced.

export const PORTAL_MANAGER = "portal";
export const MANAGER_HEADER = "X-Graylane-Manager";
