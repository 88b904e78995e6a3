import { createHash } from "node:crypto";

/**
 * Every secret the server handed out during a test, in the forms that must never reach a log: the
 * secret itself, its SHA-256 hex (what the store keeps) and its base64 (what `formats` carries).
 */
export class SecretLedger {
  private readonly secrets = new Set<string>();

  get size(): number {
    return this.secrets.size;
  }

  add(secret: string): void {
    if (secret.length >= 16) this.secrets.add(secret);
  }

  /**
   * Records every secret in a JSON response body: the `secret` fields, which is where the server puts
   * every secret it generates. Output values are not recorded separately: a secret output is a copy of a
   * `resources[].secret` of the same apply response, while any other output value is a literal from the
   * client's own config (the fuzzer's hostile strings, which it may also send as a request id).
   */
  addFromBody(body: unknown): void {
    const walk = (v: unknown, depth: number, _parentKey: string | null): void => {
      if (depth > 32 || v === null || typeof v !== "object") return;
      if (Array.isArray(v)) {
        for (const item of v) walk(item, depth + 1, _parentKey);
        return;
      }
      const o = v as Record<string, unknown>;
      for (const [k, child] of Object.entries(o)) {
        if (k === "secret" && typeof child === "string") this.add(child);
        else walk(child, depth + 1, k);
      }
    };
    walk(body, 0, null);
  }

  /** Records secrets from a raw response (JSON or problem+json); other content types are ignored. */
  addFromResponse(contentType: string | undefined, raw: string): void {
    if (!contentType || !/json/i.test(contentType) || raw.length === 0) return;
    try {
      this.addFromBody(JSON.parse(raw));
    } catch {
      // not JSON after all: nothing to record
    }
  }

  /** Describes each recorded secret (never printing it) that occurs in `text` in any of its forms. */
  leaksIn(text: string): string[] {
    const found: string[] = [];
    for (const s of this.secrets) {
      const forms: Array<[string, string]> = [
        ["secret", s],
        ["sha256", createHash("sha256").update(s, "utf8").digest("hex")],
        ["base64", Buffer.from(s, "utf8").toString("base64")],
      ];
      for (const [what, form] of forms) {
        if (text.includes(form)) found.push(`${what} of the secret masked ${s.slice(0, 8)}…${s.slice(-2)}`);
      }
    }
    return found;
  }

  assertNotIn(text: string, where: string): void {
    const leaks = this.leaksIn(text);
    if (leaks.length) throw new Error(`secret leaked into ${where}: ${leaks.join("; ")}`);
  }
}
