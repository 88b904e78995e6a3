import { compareAddresses } from "./expression";

/**
 * Deterministic topological order: among the nodes whose dependencies are done, the smallest address
 * goes first. Dependencies outside `nodes` are ignored. Returns the order and the nodes left in a cycle
 * (appended in address order so the result is still total).
 */
export function topoOrder(nodes: readonly string[], depsOf: (n: string) => readonly string[]): { order: string[]; cycle: string[] } {
  const set = new Set(nodes);
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    const deps = [...new Set(depsOf(n))].filter((d) => set.has(d) && d !== n);
    remaining.set(n, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n]);
  }
  const ready = nodes.filter((n) => remaining.get(n) === 0).sort(compareAddresses);
  const order: string[] = [];
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of dependents.get(n) ?? []) {
      const left = remaining.get(m)! - 1;
      remaining.set(m, left);
      if (left === 0) {
        ready.push(m);
        ready.sort(compareAddresses);
      }
    }
  }
  const cycle = nodes.filter((n) => !order.includes(n)).sort(compareAddresses);
  return { order: [...order, ...cycle], cycle };
}

/** Destroy order: dependents before what they depend on. */
export function destroyOrder(nodes: readonly string[], depsOf: (n: string) => readonly string[]): string[] {
  const set = new Set(nodes);
  const dependentsOf = new Map<string, string[]>();
  for (const n of nodes) for (const d of depsOf(n)) if (set.has(d) && d !== n) dependentsOf.set(d, [...(dependentsOf.get(d) ?? []), n]);
  return topoOrder(nodes, (n) => dependentsOf.get(n) ?? []).order;
}
