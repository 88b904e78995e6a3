import type { Store } from "../store/store";

/**
 * Failed authentications per client address, counted in the database so every replica shares one
 * budget. Once an address is over the limit, this replica refuses it from memory until the window
 * ends, so an attacker cannot turn failures into unbounded database writes.
 */
export class AuthFailureLimiter {
  private blockedUntil = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds to wait, or 0 when the address may try. */
  retryAfter(address: string, now: number): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(address);
      return 0;
    }
    return Math.ceil((until - now) / 1000);
  }

  /**
   * Forgets addresses whose window has ended, in the database and in memory: without it, failures
   * from ever new addresses (an IPv6 range) would grow the table and the map without bound.
   */
  async purgeExpired(now: number): Promise<void> {
    for (const [address, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(address);
    await this.store.write((tx) => tx.query("DELETE FROM auth_failures WHERE window_start + ? <= ?", [this.windowMs, now]));
  }

  /** Records one failure; returns seconds to wait when the address is now over its limit, else 0. */
  async recordFailure(address: string, now: number): Promise<number> {
    const key = address.slice(0, 64);
    const expired = "window_start + ? <= ?";
    const conflict = this.store.dialect === "mysql" ? "ON DUPLICATE KEY UPDATE" : "ON CONFLICT (address) DO UPDATE SET";
    const { failures, windowStart } = await this.store.write(async (tx) => {
      await tx.query(
        `INSERT INTO auth_failures (address, window_start, failures) VALUES (?, ?, 1) ${conflict} ` +
          `failures = CASE WHEN ${expired} THEN 1 ELSE failures + 1 END, window_start = CASE WHEN ${expired} THEN ? ELSE window_start END`,
        [key, now, this.windowMs, now, this.windowMs, now, now],
      );
      const rows: Array<Record<string, unknown>> = await tx.query("SELECT window_start, failures FROM auth_failures WHERE address = ?", [key]);
      return { failures: Number(rows[0].failures), windowStart: Number(rows[0].window_start) };
    });
    if (failures <= this.limit) return 0;
    const until = windowStart + this.windowMs;
    this.blockedUntil.set(address, until);
    return Math.max(1, Math.ceil((until - now) / 1000));
  }
}
