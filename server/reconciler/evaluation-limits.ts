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

interface Frame {
  value: object;
  depth: number;
  key: string | number;
  parent: Frame | null;
}

function tooDeep(root: object, limits: EvaluationLimits): LimitError | null {
  const stack: Frame[] = [{ value: root, depth: 1, key: "", parent: null }];
  while (stack.length) {
    const frame = stack.pop()!;
    const v = frame.value as Record<string | number, unknown>;
    const keys: Array<string | number> = Array.isArray(v) ? [] : Object.keys(v);
    const n = Array.isArray(v) ? v.length : keys.length;
    for (let i = 0; i < n; i++) {
      const key = Array.isArray(v) ? i : keys[i];
      const child = v[key];
      if (typeof child !== "object" || child === null) continue;
      const next: Frame = { value: child, depth: frame.depth + 1, key, parent: frame };
      if (next.depth > limits.maxDepth) {
        const path = pathOf(next);
        return new LimitError(
          "maxDepth",
          "Configuration nested too deeply",
          `${describePath(path)} is nested more than ${limits.maxDepth} levels deep; ${limitNote(limits, "maxDepth")}.`,
          addressOf(path),
        );
      }
      stack.push(next);
    }
  }
  return null;
}

function pathOf(frame: Frame): Array<string | number> {
  const out: Array<string | number> = [];
  for (let f: Frame | null = frame; f && f.parent; f = f.parent) out.push(f.key);
  return out.reverse();
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
