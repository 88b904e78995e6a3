/**
 * Stacks are owned: an account's stacks (planned by its keys) live in that account's namespace, the
 * operator's in its own. One string names a stack everywhere it is stored (stack rows, plans, the
 * `stack` column of the keys it manages): `name` for the operator's stacks, `account/name` for an
 * account's. Stack names cannot hold "/", so the two never collide.
 */
export interface StackRef {
  /** The owning account, or null for the operator. */
  owner: string | null;
  name: string;
}

export function stackKey(ref: StackRef): string {
  return ref.owner === null ? ref.name : `${ref.owner}/${ref.name}`;
}

export function parseStackKey(key: string): StackRef {
  const slash = key.indexOf("/");
  return slash < 0 ? { owner: null, name: key } : { owner: key.slice(0, slash), name: key.slice(slash + 1) };
}
