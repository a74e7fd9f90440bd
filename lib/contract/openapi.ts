// The OpenAPI components that are the gateway contract, as JSON Schema made by z.toJSONSchema
// from lib/contract/schema.ts. lib/contract/contract.test.ts compares openapi/graylane.yaml's
// components with this output (descriptions aside, which the document may add), so the document
// cannot drift from the schemas; `npm run gen:contract -- --openapi` prints them.
import { z } from "zod";
import * as c from "./schema";

/** Component name → contract schema. Refs between them become `#/components/schemas/<name>`. */
const COMPONENTS: [string, z.ZodType][] = [
  ["Algorithm", c.algorithm],
  ["NodeState", c.nodeState],
  ["ServiceName", c.serviceName],
  ["Weight", c.weight],
  ["Percent", c.percent],
  ["HeaderMatch", c.headerMatch],
  ["CookieMatch", c.cookieMatch],
  ["AttributeMatch", c.attributeMatch],
  ["PercentKey", c.percentKey],
];

export const CONTRACT_COMPONENT_NAMES = COMPONENTS.map(([name]) => name);

export function contractComponents(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // Components of an OpenAPI 3.1 document carry neither their own dialect nor an id.
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [name, rest];
    }),
  );
}
