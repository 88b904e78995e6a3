/**
 * Every failure of a call to keyform: a problem+json answer (its `status` and stable `code`), or keyform
 * not answering (`CONNECTION_FAILED`, `TIMEOUT`; status 0) — with the cause, never a bare "fetch failed".
 */
export class KeyformError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** The parsed problem+json body, when there was one. */
    readonly body: unknown = null,
    /** The fields a VALIDATION_FAILED names. */
    readonly fieldErrors: ReadonlyArray<{ field: string; message: string }> = [],
  ) {
    super(`${code}: ${detail}`);
    this.name = "KeyformError";
  }

  /** keyform did not answer at all (down, unreachable, too slow). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

/** The cause of a failed fetch, as specific as the runtime says (`ECONNREFUSED 127.0.0.1:8080`). */
export function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: Array<{ message?: string }> } };
  const cause = e?.cause;
  if (cause?.errors?.length) return cause.errors.map((x) => x.message).filter(Boolean).join("; ");
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return e?.message ?? String(err);
}
