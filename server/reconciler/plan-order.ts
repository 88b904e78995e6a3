import { compareAddresses } from "./expression";

/**
 * Deterministic topological order: among the nodes whose dependencies are done, the smallest address
 * goes first. Dependencies outside `nodes` are ignored. Returns the order and the nodes left in a cycle
 * (appended in address order so the result is still total).
 *
 * O((n + e) log n): addresses are ranked once by `compareAddresses` and the ready set is a binary heap
 * of ranks (re-sorting a ready array after every push was O(n² log n) on a 10,000-key stack).
 * `nodes` are distinct addresses (a repeated one is planned once).
 */
export function topoOrder(nodes: readonly string[], depsOf: (n: string) => readonly string[]): { order: string[]; cycle: string[] } {
  const unique = [...new Set(nodes)];
  const byRank = unique.sort(compareAddresses);
  const rank = new Map<string, number>();
  byRank.forEach((n, i) => rank.set(n, i));
  const remaining = new Int32Array(byRank.length);
  const dependents: number[][] = byRank.map(() => []);
  for (let i = 0; i < byRank.length; i++) {
    const n = byRank[i];
    const deps = new Set<number>();
    for (const d of depsOf(n)) {
      const r = rank.get(d);
      if (r !== undefined && r !== i) deps.add(r);
    }
    remaining[i] = deps.size;
    for (const d of deps) dependents[d].push(i);
  }
  const heap = new MinHeap();
  for (let i = 0; i < byRank.length; i++) if (remaining[i] === 0) heap.push(i);
  const done = new Uint8Array(byRank.length);
  const order: string[] = [];
  while (heap.size > 0) {
    const i = heap.pop();
    done[i] = 1;
    order.push(byRank[i]);
    for (const m of dependents[i]) if (--remaining[m] === 0) heap.push(m);
  }
  const cycle = byRank.filter((_, i) => !done[i]);
  return { order: [...order, ...cycle], cycle };
}

/** Destroy order: dependents before what they depend on. */
export function destroyOrder(nodes: readonly string[], depsOf: (n: string) => readonly string[]): string[] {
  const set = new Set(nodes);
  const dependentsOf = new Map<string, string[]>();
  for (const n of nodes) {
    for (const d of depsOf(n)) {
      if (!set.has(d) || d === n) continue;
      const list = dependentsOf.get(d);
      if (list) list.push(n);
      else dependentsOf.set(d, [n]);
    }
  }
  return topoOrder(nodes, (n) => dependentsOf.get(n) ?? []).order;
}

/** Binary min-heap of small integers (ranks). */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r] < a[l] ? r : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
