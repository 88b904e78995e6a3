/**
 * The JSON text of a plain-data value in pieces of about `chunkChars` characters: joined, they are
 * exactly `JSON.stringify(value)`. Plain objects are walked member by member and array elements are
 * stringified one at a time, so a 10,000-key plan document (23 MB, two bytes a character once a masked
 * key's "…" is in it) is written without ever being one string. Values with `toJSON` are stringified
 * whole, as JSON.stringify would call it with an empty key.
 *
 * The default size keeps a chunk under V8's large-object threshold (128 KB) even at two bytes a
 * character: chunks are young garbage, freed by the next scavenge, instead of large objects that stay in
 * the old generation (and in RSS) until the next full GC.
 */
export function* jsonChunks(value: unknown, chunkChars = 1 << 15): Generator<string> {
  let pending: string[] = [];
  let size = 0;
  const push = (s: string) => {
    pending.push(s);
    size += s.length;
  };
  const take = () => {
    const chunk = pending.join("");
    pending = [];
    size = 0;
    return chunk;
  };
  function* walk(v: unknown): Generator<string> {
    if (!walkable(v)) {
      push(JSON.stringify(v) ?? "null");
      return;
    }
    if (Array.isArray(v)) {
      push("[");
      for (let i = 0; i < v.length; i++) {
        if (size >= chunkChars) yield take();
        push(i > 0 ? "," : "");
        push(JSON.stringify(v[i]) ?? "null");
      }
      push("]");
      return;
    }
    push("{");
    let first = true;
    for (const key of Object.keys(v)) {
      const member = (v as Record<string, unknown>)[key];
      if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
      if (size >= chunkChars) yield take();
      push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      yield* walk(member);
    }
    push("}");
  }
  yield* walk(value);
  if (size > 0) yield take();
}

function walkable(v: unknown): v is object {
  if (v === null || typeof v !== "object" || typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
