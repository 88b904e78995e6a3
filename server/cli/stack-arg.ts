import { quoted } from "../reconciler/render/safe-text";
import { isStackName } from "../stacks/stack-name";
import { CliError } from "./cli-error";

/**
 * The stack name every local path and URL is built from: the user's (`--stack`), a saved plan's or
 * the configuration's — never a server's — checked here before any use.
 */
export function checkedStack(stack: string | null | undefined, source: string): string {
  if (!stack) throw new CliError(`Cannot tell the stack name of ${source}: pass --stack NAME.`);
  if (!isStackName(stack)) throw new CliError(`The stack name ${quoted(stack)} is not valid: use 1-128 of A-Z a-z 0-9 _ . -`);
  return stack;
}

/**
 * `?owner=ACCOUNT` for the operator working on an account's stack (stacks live in their owner's
 * namespace; an account key's own account is implied), or "" without --owner.
 */
export function ownerQuery(owner: string | undefined): string {
  if (owner === undefined) return "";
  if (!/^[a-z0-9-]{1,64}$/.test(owner)) throw new CliError(`--owner ${quoted(owner)} is not an account id (1-64 of a-z 0-9 -).`);
  return `?owner=${owner}`;
}
