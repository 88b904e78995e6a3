import fc from "fast-check";
import type { Store } from "../../server/store/store";

/** Strings that have broken other services: injections, encodings, look-alikes of real values. */
export const NASTY = [
  "' OR '1'='1", "'; DROP TABLE api_keys; --", "\" OR \"\"=\"", "1; SELECT SLEEP(5)", "admin'--", "\\", "\\\\'", "%", "_", "%27",
  "{\"$gt\":\"\"}", "{\"$ne\":null}", "\u0000", "\ud800", "\udfff", "😀", "Ω≈ç√∫", "\u202e", "\r\nX-Injected: 1", "${7*7}", "{{7*7}}",
  "<script>alert(1)</script>", "../../../etc/passwd", "..%2f..%2f", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
  "NaN", "Infinity", "-0", "1e400", "null", "true", "[]", "{}", " ", "", "\t", "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiON",
  "kf_temp_xm234QpLr8Ws0ZbN5vKcYdTe1uHj9a3hFf3X", "kf_live_Tg2cnK76HXgzRnUYTqIxuQlroYRRtV1BKiOX", "dc746828-6bab-43d7-b01d-cc74eeb9759b",
  "DC746828-6BAB-43D7-B01D-CC74EEB9759B", "30d", "never", "1y", "99y", "2999-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2026-13-45T25:61:61Z",
  "keys:manage", "keys:verify", "*", "*:*", "key_000000000000000000000000", "plan_000000000000000000000000", "-1", "0", "9".repeat(40),
  "MTcwMDAwMDAwMDAwMDprZXlfMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw", "a".repeat(129), "a".repeat(65),
];

export const hugeString = fc.constantFrom(300, 4_000, 70_000, 200_000).chain((n) => fc.constantFrom("A".repeat(n), "é".repeat(n), "😀".repeat(n / 2)));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

/** A JSON document as a tree, serialized by hand so that duplicate and `__proto__` keys reach the wire. */
export type Json = { raw: unknown } | { obj: Array<[string, Json]> } | { arr: Json[] };

export function serialize(j: Json): string {
  if ("raw" in j) return JSON.stringify(j.raw) ?? "null";
  if ("arr" in j) return `[${j.arr.map(serialize).join(",")}]`;
  return `{${j.obj.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`;
}

export const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "name", "type", "scopes", "secret", "key", "id", "key_limit", "max_expiry", "expires_in", "expires_at", "grace_period", "config", "admin", "isAdmin") },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const scalar: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1, 10_000, 10_001, 2 ** 31, 2 ** 53 + 1, 1e308, -1e308, 0.5, 86400, 86401) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
).map((raw) => ({ raw }));

/** Deeply nested JSON text (arrays or objects, up to thousands of levels), built as text. */
export const deepJsonText = fc.tuple(fc.integer({ min: 20, max: 5000 }), fc.constantFrom("name", "scopes", "a", "__proto__"), fc.boolean()).map(([depth, key, arrays]) =>
  arrays ? `{"${key}":${"[".repeat(depth)}1${"]".repeat(depth)}}` : `${'{"a":'.repeat(depth)}"x"${"}".repeat(depth)}`,
);

export const hostileJson: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie("v"), { maxLength: 4 }).map((arr) => ({ arr })) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, tie("v")), { maxLength: 4 }).map((obj) => ({ obj })) },
  ),
})).v;

/** Text that is not JSON, or not the JSON a parser expects. */
export const invalidJsonText = fc.oneof(
  fc.constantFrom("{", "}", "{\"name\":}", "[1,]", "'single'", "undefined", "NaN", "{\"a\":1}{}", "\u0000", "nul", "{\"name\":\"x\"",
    "\ufeff{}", "1e999999", "{\"name\" \"x\"}", "{name:1}", "\"just a string\"", "42", "true", "null", "[", "{\"__proto__\":", "--"),
  fc.string({ maxLength: 60 }),
);

/**
 * A request body: the route's own fields with hostile values, arbitrary JSON, prototype-pollution
 * objects, deep nesting, invalid JSON, huge documents, or nothing.
 */
export function hostileBody(fields: string[], nearlyValid: Record<string, unknown>): fc.Arbitrary<string | undefined> {
  const fieldKey = fields.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fields) }, { weight: 1, arbitrary: hostileKey }) : hostileKey;
  const mutated = fc.tuple(fc.constantFrom(...(fields.length ? fields : ["x"])), hostileJson).map(([k, v]) => {
    const entries: Array<[string, Json]> = Object.entries(nearlyValid).filter(([f]) => f !== k).map(([f, raw]) => [f, { raw }]);
    return serialize({ obj: [...entries, [k, v]] });
  });
  return fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 3, arbitrary: fc.array(fc.tuple(fieldKey, hostileJson), { maxLength: 6 }).map((obj) => serialize({ obj })) },
    { weight: 1, arbitrary: hostileJson.map(serialize) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `{"__proto__":{"admin":true,"key_limit":100000}}`,
        `{"constructor":{"prototype":{"polluted":"yes"}}}`,
        `{"__proto__":{"scopes":["keys:manage"]},"name":"pp"}`,
        `{"name":"dup","name":{"$ne":1}}`,
        `{"prototype":{"isAdmin":true}}`,
      ),
    },
    { weight: 1, arbitrary: deepJsonText },
    { weight: 1, arbitrary: invalidJsonText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8", "application/problem+json", "application/merge-patch+json", "text/plain",
      "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/json; charset=utf-16",
      "application/json; charset=koi8-r", "application/json; charset=nope", "application/xml", "*/*", "application/json;;;=",
      "APPLICATION/JSON", "application/octet-stream", "none",
    ),
  },
);

/** Header values Node's HTTP client will send (visible latin-1, no control characters). */
export const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, "").slice(0, 2_000);

/** encodeURIComponent that accepts lone surrogates (they become U+FFFD first). */
export const encodeAny = (s: string) => encodeURIComponent((s as string & { toWellFormed(): string }).toWellFormed()) // Node 20 has it; lib ES2022 does not declare it;

/** A path segment: mostly the given real values, else hostile text, percent-encoded or deliberately broken. */
export function pathSegment(real: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: hostileString.map((s) => encodeAny(s.slice(0, 300))) },
    { weight: 1, arbitrary: fc.constantFrom("%zz", "%", "%E0%A4%A", "%00", "..", "%2e%2e", "a%2Fb", "A", "-", "x".repeat(65), "%C0%AE", "%FF") },
  );
}

export function queryString(names: string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "limit[]", "status[0]", "a[b][c]", "", "toString") },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const value = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom("active", "expired", "revoked", "exhausted", "live", "temp", "legacy", "1", "100", "1000", "1001", "0", "-5", "1.5", "0x10", "1e3", "") },
    { weight: 2, arbitrary: hostileString.map((s) => s.slice(0, 2_000)) },
  );
  const pair = fc.tuple(name, value, fc.boolean()).map(([k, v, raw]) => (raw ? `${headerSafe(k).replace(/[#\s]/g, "")}=${headerSafe(v).replace(/[#\s]/g, "")}` : `${encodeAny(k)}=${encodeAny(v)}`));
  return fc.array(pair, { maxLength: 5 }).map((pairs) => (pairs.length ? `?${pairs.join("&")}` : ""));
}

/** Every table's rows, sorted, as text: equal snapshots mean no data changed. `skip` lists tables to ignore. */
export async function snapshotTables(store: Store, skip: string[] = ["auth_failures", "keyform_migrations"]): Promise<Record<string, string>> {
  const tables: string[] =
    store.dialect === "sqlite"
      ? (await store.manager.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((r: { name: string }) => r.name)
      : (await store.manager.query("SHOW TABLES")).map((r: Record<string, string>) => Object.values(r)[0]);
  const snap: Record<string, string> = {};
  const kept = tables.filter((t) => !skip.includes(t)).sort();
  if (store.dialect === "mysql") {
    // Computed by the server over every row: cheap however large the tables (plans) grow.
    const sums: Array<{ Table: string; Checksum: number | string | null }> = await store.manager.query(`CHECKSUM TABLE ${kept.join(", ")}`);
    for (const r of sums) snap[r.Table.split(".").pop()!] = String(r.Checksum);
    return snap;
  }
  for (const t of kept) {
    const rows: unknown[] = await store.manager.query(`SELECT * FROM ${t}`);
    snap[t] = rows.map((r) => JSON.stringify(r)).sort().join("\n");
  }
  return snap;
}

/** Terraform expressions a config may carry: real references, functions, and broken interpolations. */
export const hostileExpr = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((s) => s.slice(0, 5_000)) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "${keyform_api_key.a.id}", "${keyform_api_key.a.secret}", "${keyform_api_key.a[0].id}", "${keyform_api_key.b[\"x\"].secret}", "${var.names}",
      "${var.nope}", "${each.key}", "${each.value}", "${count.index}", "${toset([\"a\",\"b\"])}", "${tomap({a=1})}", "${local.x}", "${data.keyform_api_key.d.id}",
      "${", "${}", "${{", "}", "${1+}", "${jsonencode(1)}", "${keyform_api_key}", "${keyform_api_key.a.__proto__}", "${keyform_api_key.__proto__.id}",
      "${keyform_api_key.a.id}${keyform_api_key.a.id}", "%{ for x in var.names }${x}%{ endfor }", "${\"${\"}", "$${literal}", "${var.names[999999999999]}",
      "${keyform_api_key.constructor.id}", "${toset(" + "[".repeat(200) + "}",
    ),
  },
);

const hostileTfValue: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: hostileExpr.map((raw) => ({ raw })) }, { weight: 2, arbitrary: hostileJson });

const RESOURCE_FIELDS = [
  "name", "type", "scopes", "expires_in", "expires_at", "account", "rotate_every", "count", "for_each", "lifecycle", "depends_on", "provider",
  "replace_triggered_by", "id", "secret", "__proto__", "constructor", "//",
];

const tfResource: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom("k", "k2", "live"), fc.array(fc.tuple(fc.constantFrom(...RESOURCE_FIELDS), hostileTfValue), { maxLength: 5 }))
  .map(([n, fields]) => ({ obj: [["name", { raw: n }], ...fields] as Array<[string, Json]> }));

/** Terraform JSON configurations, mostly well-shaped around keyform resources, with hostile parts. */
export const hostileTfConfig: fc.Arbitrary<Json> = fc
  .record({
    provider: fc.oneof(
      { weight: 3, arbitrary: fc.constant<Json>({ obj: [["keyform", { arr: [{ obj: [["account", { raw: "fz-main" }]] }] }]] }) },
      { weight: 1, arbitrary: hostileJson },
      { weight: 1, arbitrary: hostileTfValue.map((v): Json => ({ obj: [["keyform", { arr: [{ obj: [["account", v], ["alias", v]] }] }]] })) },
    ),
    resources: fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "__proto__", "constructor", "has space", "1bad", ""), tfResource), { maxLength: 4 }),
    other: fc.array(fc.tuple(fc.constantFrom("output", "variable", "locals", "import", "moved", "removed", "data", "terraform", "module", "__proto__", "//"), hostileJson), { maxLength: 3 }),
    outputs: fc.array(fc.tuple(fc.constantFrom("o", "secret", "__proto__"), fc.tuple(hostileTfValue, fc.boolean())), { maxLength: 2 }),
  })
  .map(({ provider, resources, other, outputs }) => ({
    obj: [
      ["provider", provider],
      ["resource", { obj: [["keyform_api_key", { obj: resources }], ["random_pet", { obj: [["p", { obj: [] }]] }]] }],
      ["output", { obj: outputs.map(([n, [v, sensitive]]): [string, Json] => [n, { obj: [["value", v], ["sensitive", { raw: sensitive }]] }]) }],
      ...other,
    ] as Array<[string, Json]>,
  }));

/** A plan request body: a hostile config, with the plan options, or a body that is not a plan at all. */
export const hostilePlanBody: fc.Arbitrary<string | undefined> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(hostileTfConfig, fc.array(fc.tuple(fc.constantFrom("refresh", "destroy", "replace", "target", "config", "__proto__", "extra"), hostileJson), { maxLength: 2 }))
      .map(([config, extra]) => serialize({ obj: [["config", config], ...extra] })),
  },
  { weight: 1, arbitrary: hostileBody(["config", "refresh", "destroy", "replace", "target"], { config: {} }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 3_000 }).map((d) => `{"config":{"resource":{"keyform_api_key":{"a":${'{"a":'.repeat(d)}1${"}".repeat(d)}}}}}`) },
);

/** Everything a reviewer must never receive raw: terminal controls, line tricks, markdown and HTML, workflow commands. */
export const RENDER_PAYLOADS = [
  "\u001b[2J\u001b[H", "\u001b]0;pwned\u0007", "\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\", "\u009b31m", "\u001bc",
  "\r  # keyform_api_key.prod will be destroyed", "\u202eevil", "\u2066x\u2069", "\u200f", "\u0085", "\u2028", "\u007f", "\u0000", "\t", "\b\b\b\b",
  "```", "````", "~~~", "</details>", "<details>", "<!--", "-->", "</details><a href=https://evil.example>x</a>", "<img src=x onerror=alert(1)>",
  "[click](https://evil.example)", "![i](https://evil.example/i.png)", "https://evil.example", "www.evil.example", "<https://evil.example>",
  "\nPlan: 0 to add, 0 to change, 0 to destroy.\n", "\nNo changes. Your infrastructure matches the configuration.\n",
  "EOF\nname=value", "ghadelimiter_0\nx", "\n::stop-commands::tok\n", "::add-mask::", "%0A::warning::x", "\n\n", "`", "| a | b |", "*bold*", "_u_",
];

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...RENDER_PAYLOADS, "a", " ", "k", "-"), { minLength: 1, maxLength: 6 }).map((p) => p.join("")) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
);
