import { once } from "node:events";
import { promisify } from "node:util";
import { createDeflateRaw, createInflateRaw, inflateRaw, type DeflateRaw } from "node:zlib";
import { jsonChunks } from "../json/json-chunks";
import type { StreamedJson } from "../json/raw-json";
import type { EntityManager } from "typeorm";
import type { Plan } from "../reconciler/reconciler.types";
import type { Store } from "../store/store";

type Row = Record<string, unknown>;

/** A plan without its Terraform JSON pieces: what an apply reads. */
export type PlanSteps = Omit<Plan, "terraform">;

/** A stored plan's row without its body. */
export type PlanRecord = Omit<StoredPlan, "plan">;

/** A plan's body as stored (see `encodePlanBody`), and where its Terraform JSON document lies in it. */
export interface EncodedPlan {
  body: string;
  terraformStart: number;
  terraformBytes: number;
}

export interface StoredPlan<P extends PlanSteps = Plan> {
  id: string;
  stack: string;
  lineage: string | null;
  serial: number;
  accounts: string[];
  errored: boolean;
  hasChanges: boolean;
  summary: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  appliedAt: number | null;
  appliedBy: string | null;
  applyResult: unknown;
  plan: P;
}

const inflate = promisify(inflateRaw);
/**
 * Plan bodies are stored deflated (base64, with this prefix): a 10,000-key plan is ~14 MB of JSON, over
 * MySQL's default 16 MB max_allowed_packet once escaped, and ~1 MB deflated. Bodies without the prefix
 * (plain JSON, as older versions wrote them) are still read. Compression runs on the libuv pool.
 */
const DEFLATED = "deflate:";
const SEGMENT_BYTES = 4 << 20;
/** Separates the segments of the plan's own part from those of its Terraform JSON (older bodies have none). */
const PLAN_END = ";";

/**
 * The body holds the plan without its Terraform JSON pieces, plus the rendered Terraform JSON document
 * (`terraform_json`), so a large plan is stringified once: the response streams that document back out
 * of the stored body (`storedJson`). The text is encoded and deflated chunk by chunk, each chunk
 * compressed on the libuv pool while the next one is serialized, in ~4 MB segments: a 25 MB plan is never
 * one string or Buffer. Stored as base64 segments joined by ",", the plan's own part (`{"plan":…`) in
 * segments of its own, followed by `PLAN_END`. `terraformJson` is the plan's Terraform JSON document, rendered by
 * the caller (the repository stores and loads; it does not render): see `encodePlan` in plan-job.ts.
 */
export async function encodePlanBody(plan: Plan, terraformJson: Iterable<string>): Promise<EncodedPlan> {
  const segments: Promise<Buffer>[] = [];
  let z: DeflateRaw | null = null;
  let size = 0;
  let offset = 0;
  let planSegments = 0;
  const write = async (text: string) => {
    if (!z || size >= SEGMENT_BYTES) {
      z?.end();
      z = createDeflateRaw({ level: 1 });
      const segment = deflated(z);
      segment.catch(() => undefined); // observed by Promise.all below; never unhandled meanwhile
      segments.push(segment);
      size = 0;
    }
    const bytes = Buffer.from(text, "utf8");
    size += bytes.length;
    offset += bytes.length;
    z.write(bytes);
    if (z.writableLength >= 1 << 20) await once(z, "drain"); // ~1 MB of small chunks queued for the pool
  };
  await write('{"plan":');
  for (const chunk of jsonChunks({ ...plan, terraform: undefined })) await write(chunk);
  // The plan's own part ends a segment: an apply inflates and parses only that, not the Terraform JSON.
  planSegments = segments.length;
  size = SEGMENT_BYTES;
  await write(',"terraform_json":');
  const terraformStart = offset;
  for (const chunk of terraformJson) await write(chunk);
  const terraformBytes = offset - terraformStart;
  await write("}");
  z!.end();
  const parts = (await Promise.all(segments)).map((b) => b.toString("base64"));
  const body = `${DEFLATED}${parts.slice(0, planSegments).join(",")}${PLAN_END}${parts.slice(planSegments).join(",")}`;
  return { body, terraformStart, terraformBytes };
}

function deflated(z: DeflateRaw): Promise<Buffer> {
  const out: Buffer[] = [];
  z.on("data", (b: Buffer) => out.push(b));
  return new Promise<Buffer>((resolve, reject) => {
    z.once("end", () => resolve(Buffer.concat(out)));
    z.once("error", reject);
  });
}

/** Inflated output comes in pieces of this size: few callbacks on the request thread, no multi-megabyte copies. */
const INFLATE_CHUNK = 256 << 10;

/**
 * Bytes `start` to `start + byteLength` of an encoded body, inflated as they are sent: each segment is
 * streamed through an inflater (on the libuv pool) and its output pieces are sent as they come, never
 * joined into one Buffer, with the socket's backpressure pacing the inflater.
 */
function storedJson(body: string, start: number, byteLength: number): StreamedJson {
  return {
    byteLength,
    async *chunks() {
      const segments = body.slice(DEFLATED.length).split(/[,;]/);
      const end = start + byteLength;
      let offset = 0;
      for (let i = 0; i < segments.length && offset < end; i++) {
        const z = createInflateRaw({ chunkSize: INFLATE_CHUNK });
        z.end(Buffer.from(segments[i], "base64"));
        try {
          for await (const bytes of z as AsyncIterable<Buffer>) {
            const from = Math.max(start - offset, 0);
            const to = Math.min(end - offset, bytes.length);
            offset += bytes.length;
            if (to > from) yield from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to);
            if (offset >= end) break;
          }
        } finally {
          z.destroy(); // an abandoned response (client gone) leaves no inflater running
        }
      }
    },
  };
}

async function decodeBody(raw: unknown): Promise<Plan> {
  const s = String(raw);
  if (!s.startsWith(DEFLATED)) return JSON.parse(s) as Plan;
  const text = await inflateSegments(s.slice(DEFLATED.length).split(/[,;]/));
  const parsed = JSON.parse(text) as { plan: Plan; terraform_json: TerraformPlanDoc };
  return { ...parsed.plan, terraform: fromPlanJson(parsed.terraform_json) };
}

/** The plan without its Terraform JSON pieces: of a body that stores them apart, only the plan's own segments are read. */
async function decodeSteps(raw: unknown): Promise<PlanSteps> {
  const s = String(raw);
  const end = s.startsWith(DEFLATED) ? s.indexOf(PLAN_END) : -1;
  if (end < 0) {
    const { terraform: _omit, ...steps } = await decodeBody(s);
    return steps;
  }
  const text = await inflateSegments(s.slice(DEFLATED.length, end).split(","));
  return (JSON.parse(`${text}}`) as { plan: PlanSteps }).plan;
}

async function inflateSegments(segments: string[]): Promise<string> {
  const parts = await Promise.all(segments.map((b64) => inflate(Buffer.from(b64, "base64"))));
  return Buffer.concat(parts).toString("utf8");
}

export interface TerraformPlanDoc {
  planned_values: { outputs: Plan["terraform"]["plannedValues"]["outputs"]; root_module: { resources?: Plan["terraform"]["plannedValues"]["resources"] } };
  resource_drift?: Plan["terraform"]["resourceDrift"];
  resource_changes: Plan["terraform"]["resourceChanges"];
  output_changes: Plan["terraform"]["outputChanges"];
  prior_state?: { values: { outputs: NonNullable<Plan["terraform"]["priorState"]>["outputs"]; root_module: { resources?: NonNullable<Plan["terraform"]["priorState"]>["resources"] } } };
  configuration: Plan["terraform"]["configuration"];
}

/** The inverse of `renderPlanJson` for the pieces a plan keeps. */
export function fromPlanJson(doc: TerraformPlanDoc): Plan["terraform"] {
  return {
    resourceDrift: doc.resource_drift ?? [], // left out when empty, as Terraform does
    resourceChanges: doc.resource_changes,
    outputChanges: doc.output_changes,
    plannedValues: { outputs: doc.planned_values.outputs, resources: doc.planned_values.root_module.resources ?? [] },
    priorState: doc.prior_state ? { outputs: doc.prior_state.values.outputs, resources: doc.prior_state.values.root_module.resources ?? [] } : null,
    configuration: doc.configuration,
  };
}

const LIGHT = "id, stack, lineage, serial, accounts, errored, has_changes, summary, created_by, created_at, expires_at, applied_at, applied_by, apply_result";

function toPlan<P extends PlanSteps>(r: Row, plan: P | undefined): StoredPlan<P> {
  return {
    id: String(r.id),
    stack: String(r.stack),
    lineage: (r.lineage as string | null) ?? null,
    serial: Number(r.serial),
    accounts: JSON.parse(String(r.accounts)) as string[],
    errored: Number(r.errored) === 1,
    hasChanges: Number(r.has_changes) === 1,
    summary: String(r.summary),
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    appliedAt: r.applied_at === null || r.applied_at === undefined ? null : Number(r.applied_at),
    appliedBy: (r.applied_by as string | null) ?? null,
    applyResult: r.apply_result ? JSON.parse(String(r.apply_result)) : null,
    plan: plan as P,
  };
}

/** Saved plans: written once by a plan, marked applied once by an apply. */
export class PlanRepository {
  constructor(private readonly store: Store) {}

  /** The Terraform JSON document of a stored plan's encoded body, to be sent. */
  document({ body, terraformStart, terraformBytes }: EncodedPlan): StreamedJson {
    return storedJson(body, terraformStart, terraformBytes);
  }

  /** Stores a plan encoded elsewhere (by a plan worker); returns its Terraform JSON document as stored, to be sent. */
  async insertEncoded(p: PlanRecord, encoded: EncodedPlan): Promise<StreamedJson> {
    const { body } = encoded;
    await this.store.write((tx) =>
      tx.query(`INSERT INTO plans (${LIGHT}, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        p.id, p.stack, p.lineage, p.serial, JSON.stringify(p.accounts), p.errored ? 1 : 0, p.hasChanges ? 1 : 0, p.summary, p.createdBy,
        p.createdAt, p.expiresAt, null, null, null, body,
      ]),
    );
    return this.document(encoded);
  }

  async find(id: string): Promise<StoredPlan | null> {
    const rows: Row[] = await this.store.manager.query(`SELECT ${LIGHT}, body FROM plans WHERE id = ?`, [id]);
    return rows.length ? toPlan(rows[0], await decodeBody(rows[0].body)) : null;
  }

  /** The stack (its stored key) a plan belongs to, or null: enough to authorize before reading the body. */
  async findStack(id: string): Promise<string | null> {
    const rows: Row[] = await this.store.manager.query("SELECT stack FROM plans WHERE id = ?", [id]);
    return rows.length ? String(rows[0].stack) : null;
  }

  /** A plan without its Terraform JSON pieces (for an apply): most of a big plan's body is never inflated or parsed. */
  async findSteps(id: string): Promise<StoredPlan<PlanSteps> | null> {
    const rows: Row[] = await this.store.manager.query(`SELECT ${LIGHT}, body FROM plans WHERE id = ?`, [id]);
    return rows.length ? toPlan(rows[0], await decodeSteps(rows[0].body)) : null;
  }

  async listForStack(stack: string, limit: number): Promise<StoredPlan[]> {
    const rows: Row[] = await this.store.manager.query(`SELECT ${LIGHT} FROM plans WHERE stack = ? ORDER BY created_at DESC, id LIMIT ${Math.floor(limit)}`, [stack]);
    return rows.map((r) => toPlan<Plan>(r, undefined));
  }

  /** Marks a plan applied; false when another apply got there first. */
  async markApplied(tx: EntityManager, id: string, now: number, by: string, result: unknown): Promise<boolean> {
    const n = await this.store.execute("UPDATE plans SET applied_at = ?, applied_by = ?, apply_result = ? WHERE id = ? AND applied_at IS NULL", [now, by, JSON.stringify(result), id], tx);
    return n === 1;
  }

  async purgeExpired(now: number): Promise<void> {
    // Applied plans are history for the console; unapplied expired ones are kept a week for PR links.
    await this.store.write((tx) => tx.query("DELETE FROM plans WHERE applied_at IS NULL AND expires_at < ?", [now - 7 * 24 * 3600 * 1000]));
  }
}
