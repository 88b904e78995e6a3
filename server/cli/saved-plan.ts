import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { quoted } from "../reconciler/render/safe-text";
import { isStackName } from "../stacks/stack-name";
import { normalizeEndpoint } from "./client";
import { CliError } from "./io";
import { readAll, writePrivateFile } from "./private-files";

/** What `keyform plan --out FILE` saves for `keyform apply --plan FILE`. */
export interface SavedPlan {
  plan_id: string;
  endpoint: string;
  stack: string;
  lineage: string | null;
  serial: number;
}

export const PLAN_ID = /^plan_[0-9A-Za-z]{24}$/;

export function writeSavedPlan(path: string, plan: SavedPlan): void {
  writePrivateFile(path, JSON.stringify(plan, null, 2) + "\n");
}

/**
 * Reads a saved plan and checks every field before any of it is used: the plan id goes into a URL,
 * the stack into a file name, and the endpoint is compared with the one the user chose.
 */
export function readSavedPlan(path: string): SavedPlan {
  let text: string;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new CliError(`cannot read ${quoted(path)}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 64 * 1024) throw new CliError(`${quoted(path)} is not a saved plan (a small regular file)`);
    text = readAll(fd, st.size);
  } finally {
    closeSync(fd);
  }
  let p: Partial<Record<keyof SavedPlan, unknown>>;
  try {
    p = JSON.parse(text);
  } catch {
    throw new CliError(`${quoted(path)} is not a saved plan: it is not valid JSON`);
  }
  if (!p || typeof p !== "object") throw new CliError(`${quoted(path)} is not a saved plan`);
  if (typeof p.plan_id !== "string" || !PLAN_ID.test(p.plan_id)) throw new CliError(`${quoted(path)} is not a saved plan: plan_id must look like plan_ followed by 24 letters and digits`);
  if (!isStackName(p.stack)) throw new CliError(`${quoted(path)} is not a saved plan: its stack name is not valid`);
  if (typeof p.endpoint !== "string") throw new CliError(`${quoted(path)} is not a saved plan: it names no endpoint`);
  return {
    plan_id: p.plan_id,
    endpoint: normalizeEndpoint(p.endpoint, `the endpoint in ${quoted(path)}`),
    stack: p.stack,
    lineage: typeof p.lineage === "string" ? p.lineage : null,
    serial: typeof p.serial === "number" ? p.serial : 0,
  };
}
