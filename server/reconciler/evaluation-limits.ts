import type { Diagnostic } from "./reconciler.types";

/**
 * Bounds on the work one configuration can make the planner do. Each is proportional to what a real
 * stack needs (a 10,000-key stack uses a few percent of the step budget); exceeding any of them stops
 * the evaluation with one error diagnostic naming the limit and the place, instead of a frozen server.
 */
export interface EvaluationLimits {
  /** Nesting of JSON values (counted from the configuration's root) and of `${…}` expressions. */
  maxDepth: number;
  /** References followed one inside the other: local → local → …, argument → argument → … */
  maxReferenceChain: number;
  /** Blocks of one kind: resource, data, output, variable, locals, provider, import, moved, removed. */
  maxBlocks: number;
  /** Resource instances after count / for_each. */
  maxInstances: number;
  /**
   * Evaluation steps: one per value and expression evaluated, plus the size of every value a
   * reference returns (one per element, one per 32 characters of a string), so that a value
   * referenced many times is paid for each time.
   */
  maxSteps: number;
}

export const DEFAULT_LIMITS: Readonly<EvaluationLimits> = Object.freeze({
  maxDepth: 64,
  maxReferenceChain: 256,
  maxBlocks: 10_000,
  maxInstances: 10_000,
  maxSteps: 1_000_000,
});

/** The server setting behind each limit: diagnostics name it, `settingsFromEnv` reads it. */
export const LIMIT_SETTINGS: Readonly<Record<keyof EvaluationLimits, string>> = Object.freeze({
  maxDepth: "KEYFORM_PLAN_MAX_DEPTH",
  maxReferenceChain: "KEYFORM_PLAN_MAX_REFERENCE_CHAIN",
  maxBlocks: "KEYFORM_PLAN_MAX_BLOCKS",
  maxInstances: "KEYFORM_PLAN_MAX_INSTANCES",
  maxSteps: "KEYFORM_PLAN_MAX_STEPS",
});

/** Most diagnostics a plan lists; the rest are counted in one last diagnostic. */
export const MAX_DIAGNOSTICS = 1_000;

/** A limit was exceeded: evaluation stops; the parser turns this into the configuration's one fatal diagnostic. */
export class LimitError extends Error {
  constructor(
    readonly limit: keyof EvaluationLimits,
    readonly summary: string,
    detail: string,
    readonly address?: string,
  ) {
    super(detail);
    this.name = "LimitError";
  }

  toDiagnostic(): Diagnostic {
    return this.address
      ? { severity: "error", summary: this.summary, detail: this.message, address: this.address }
      : { severity: "error", summary: this.summary, detail: this.message };
  }
}

/** "the limit is 64 (KEYFORM_PLAN_MAX_DEPTH)": how every limit diagnostic names its limit. */
export function limitNote(limits: EvaluationLimits, limit: keyof EvaluationLimits): string {
  return `the limit is ${limits[limit].toLocaleString("en-US")} (server setting ${LIMIT_SETTINGS[limit]})`;
}

/** At most `max` characters of `text`, for quoting user input in a message. */
export function excerpt(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const BLOCK_KINDS = ["resource", "data", "output", "variable", "locals", "provider", "import", "moved", "removed"] as const;

/**
 * Checks a configuration's shape before anything evaluates it: nesting depth (walked with an explicit
 * stack, so a 100,000-deep array is measured, not recursed into) and the number of blocks of each kind.
 */
export function checkConfigShape(json: unknown, limits: EvaluationLimits): LimitError | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const doc = json as Record<string, unknown>;
  for (const kind of BLOCK_KINDS) {
    const n = countBlocks(kind, doc[kind]);
    if (n > limits.maxBlocks) {
      return new LimitError(
        "maxBlocks",
        "Too many blocks",
        `The configuration declares ${n.toLocaleString("en-US")} ${kind} blocks; ${limitNote(limits, "maxBlocks")} per kind of block.`,
      );
    }
  }
  return tooDeep(doc, limits);
}

function countBlocks(kind: (typeof BLOCK_KINDS)[number], raw: unknown): number {
  if (raw === undefined || raw === null || typeof raw !== "object") return 0;
  if (Array.isArray(raw)) return raw.length;
  const byName = raw as Record<string, unknown>;
  // resource, data: {type: {name: body}}; provider: {name: [configs] | config}; the rest: {name: body}.
  if (kind === "resource" || kind === "data" || kind === "provider") {
    let n = 0;
    for (const key of Object.keys(byName)) {
      const inner = byName[key];
      if (Array.isArray(inner)) n += inner.length;
      else if (inner !== null && typeof inner === "object") n += kind === "provider" ? 1 : Object.keys(inner).length;
      else n += 1;
    }
    return n;
  }
  return Object.keys(byName).length;
}

/** One container being walked: its keys (objects) and the next child to look at. */
interface Level {
  value: Record<string | number, unknown>;
  keys: Array<string | number> | null;
  next: number;
}

/**
 * Depth-first, with a stack of at most `maxDepth` levels: memory stays proportional to the depth, not to
 * the number of values (a flat array of millions of objects is walked with one level on the stack).
 */
function tooDeep(root: object, limits: EvaluationLimits): LimitError | null {
  const level = (value: object): Level => ({ value: value as Record<string, unknown>, keys: Array.isArray(value) ? null : Object.keys(value), next: 0 });
  const stack: Level[] = [level(root)];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const size = top.keys ? top.keys.length : (top.value as unknown as unknown[]).length;
    if (top.next >= size) {
      stack.pop();
      continue;
    }
    const key = top.keys ? top.keys[top.next] : top.next;
    top.next++;
    const child = top.value[key];
    if (typeof child !== "object" || child === null) continue;
    if (stack.length + 1 > limits.maxDepth) {
      // Each level's current key, root first: the path to `child`.
      const path = stack.map((l) => (l.keys ? l.keys[l.next - 1] : l.next - 1));
      return new LimitError(
        "maxDepth",
        "Configuration nested too deeply",
        `${describePath(path)} is nested more than ${limits.maxDepth} levels deep; ${limitNote(limits, "maxDepth")}.`,
        addressOf(path),
      );
    }
    stack.push(level(child));
  }
  return null;
}

/** `resource.keyform_api_key.k.scopes[0][0]…`, shortened in the middle. */
function describePath(path: Array<string | number>): string {
  const part = (k: string | number, i: number) => (typeof k === "number" ? `[${k}]` : `${i > 0 ? "." : ""}${excerpt(k, 40)}`);
  const head = path.slice(0, 6).map(part).join("");
  return path.length > 8 ? `${head}…${path.slice(-2).map((k, i) => part(k, i + 1)).join("")}` : path.map(part).join("");
}

/** The block a configuration path is in, as an address (`keyform_api_key.k`, `output.x`, `local.y`). */
function addressOf(path: Array<string | number>): string | undefined {
  const [kind, a, b] = path;
  const s = (k: unknown) => (typeof k === "string" ? excerpt(k, 80) : undefined);
  if (kind === "resource" && s(a) && s(b)) return `${s(a)}.${s(b)}`;
  if (kind === "data" && s(a) && s(b)) return `data.${s(a)}.${s(b)}`;
  if (kind === "output" && s(a)) return `output.${s(a)}`;
  if (kind === "locals" && s(a)) return `local.${s(a)}`;
  if (kind === "variable" && s(a)) return `var.${s(a)}`;
  return undefined;
}
