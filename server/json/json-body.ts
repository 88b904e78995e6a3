/**
 * JSON request bodies with body-parser's strict semantics (an object or array at the top, else
 * `entity.parse.failed`): one rule for bodies parsed on the request thread (`readPlainJson`) and for
 * those parsed elsewhere (plan configurations, in a plan worker).
 */
export function parseJsonBody(text: string): unknown {
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/.exec(text)?.[1];
  if (first !== "{" && first !== "[") {
    throw Object.assign(new SyntaxError("Unexpected token in JSON"), { type: "entity.parse.failed", status: 400 });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(err as Error, { type: "entity.parse.failed", status: 400 });
  }
}
