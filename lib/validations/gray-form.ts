// The gray rule fields of the service forms (app/(portal)/services/_components/gray-rule-fields.tsx)
// → the gray rule input the schema validates (lib/validations/service.ts grayRuleSchema).
// Plain data, no React: the form and the tests use the same reading.
//
// Field names: algorithm/percent/cidrs, the static matchers (staticMatchers, headerName, …),
// the request-attribute rules `match.<i>.source|name|mode|values|prefix` (i = 0, 1, … in the
// order shown; mode "values": one value per line, "prefix": the prefix field), and
// percentKeySource ("" = the client IP) + percentKeyName.

export type GrayFormInput = {
  header: { name: string; value: string } | null;
  cookie: { name: string; value: string } | null;
  cidrs: string[];
  percent: string;
  match: { source: string; name: string; values?: string[]; prefix?: string }[];
  percent_key: { source: string; name: string } | null;
};

/** The form's fields → the gray rule input (an empty name turns that matcher or rule off). */
export function grayFromForm(f: FormData): GrayFormInput {
  const text = (k: string) => String(f.get(k) ?? "");
  const staticOn = f.get("staticMatchers") === "on";
  const pair = (n: string, v: string) => {
    const name = staticOn ? text(n).trim() : "";
    return name ? { name, value: text(v).trim() } : null;
  };
  const match: GrayFormInput["match"] = [];
  for (let i = 0; f.has(`match.${i}.source`); i++) {
    const name = text(`match.${i}.name`).trim();
    if (!name) continue;
    const source = text(`match.${i}.source`);
    if (text(`match.${i}.mode`) === "prefix") match.push({ source, name, prefix: text(`match.${i}.prefix`) });
    else
      match.push({
        source,
        name,
        values: text(`match.${i}.values`)
          .split(/\r?\n/)
          .map((v) => v.trim())
          .filter(Boolean),
      });
  }
  const keySource = text("percentKeySource");
  const keyName = text("percentKeyName").trim();
  return {
    header: pair("headerName", "headerValue"),
    cookie: pair("cookieName", "cookieValue"),
    cidrs: text("cidrs")
      .split(/[\s,]+/)
      .map((c) => c.trim())
      .filter(Boolean),
    percent: text("percent") || "0",
    match,
    percent_key: keySource && keyName ? { source: keySource, name: keyName } : null,
  };
}
