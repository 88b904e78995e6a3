/**
 * Ordered steps of one scenario, one `it` each, sharing state in their describe. Once a step fails,
 * every later step fails at once, naming the step that broke the chain, instead of asserting on a state
 * that was never made.
 */
export function orderedSteps(): (name: string, fn: () => Promise<void> | void, timeoutMs?: number) => void {
  let broken: string | null = null;
  return (name, fn, timeoutMs) =>
    it(
      name,
      async () => {
        if (broken !== null) throw new Error(`not run: the earlier step "${broken}" failed, and this one builds on it`);
        try {
          await fn();
        } catch (err) {
          broken = name;
          throw err;
        }
      },
      timeoutMs,
    );
}
