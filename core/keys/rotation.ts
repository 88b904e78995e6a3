import { MAX_GRACE_MS, parseDuration } from "./expiry";

/**
 * Rotation of a key's secret, one rule for the reconciler and the Terraform provider: `rotate_every` is
 * measured from when the current secret was issued (creation, or the last regeneration), and with
 * `rotation_overlap` a due rotation regenerates the key in place, the old secret staying valid that long.
 */

/** When the current secret's rotation falls due, or null without (a valid) `rotate_every`. */
export function rotationDueAt(secretIssuedAt: number, rotateEvery: string | null): number | null {
  const every = rotateEvery === null ? null : parseDuration(rotateEvery);
  if (every === null || every <= 0 || !Number.isFinite(secretIssuedAt)) return null;
  return secretIssuedAt + every;
}

export function isRotationDue(secretIssuedAt: number, rotateEvery: string | null, now: number): boolean {
  const due = rotationDueAt(secretIssuedAt, rotateEvery);
  return due !== null && now >= due;
}

/** The grace period a `rotation_overlap` gives the old secret (0 without one); null when it is not a duration of at most 24h. */
export function overlapMs(rotationOverlap: string | null): number | null {
  if (rotationOverlap === null) return 0;
  const ms = parseDuration(rotationOverlap);
  return ms !== null && ms > 0 && ms <= MAX_GRACE_MS ? ms : null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What a plan says about an in-place regeneration, the same words on every path: how long the old secret
 * stays valid (counted from the apply, shown as of `now`) and when it was last used.
 */
export function overlapNote(rotationOverlap: string | null, now: number, lastUsedAt: string | null): string {
  const grace = overlapMs(rotationOverlap) ?? 0;
  const until = grace > 0 ? `the old secret stays valid until ${rotationOverlap} after apply (${iso(now + grace)} if applied now)` : "the old secret stops working at apply";
  return `${until}; ${lastUsedAt === null ? "the key has never been used" : `the key was last used at ${lastUsedAt}`}`;
}
