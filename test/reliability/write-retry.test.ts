import { AppError } from "../../server/errors/app-error";
import { ErrorCode } from "../../server/errors/error-code";
import { toAppError } from "../../server/errors/error.middleware";
import type { Store } from "../../server/store/store";
import { openStore, type TestDatabase } from "../support/db";

// Store.write runs a transaction again, whole, when the server rolled it back for a conflict (1213 on
// MySQL; on Galera also a certification failure — test/galera), and only then.
describe("write transactions that lose a conflict on MySQL", () => {
  let store: Store;
  let db: TestDatabase;
  const now = Date.now();

  beforeAll(async () => {
    ({ store, db } = await openStore("mysql"));
    await store.write(async (tx) => {
      for (const id of ["a", "b"]) await tx.query("INSERT INTO accounts (id, name, key_limit, max_expiry, created_at, updated_at) VALUES (?, NULL, 10, NULL, ?, ?)", [id, now, now]);
    });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("a real InnoDB deadlock: the victim runs again from the start and both transactions commit", async () => {
    const attempts = [0, 0];
    let bothLocked!: () => void;
    const barrier = new Promise<void>((r) => (bothLocked = r));
    let arrived = 0;
    // Each locks one row, waits until the other has too, then wants the other's row.
    const cross = (i: number, first: string, second: string) =>
      store.write(async (tx) => {
        attempts[i]++;
        await tx.query("UPDATE accounts SET name = ? WHERE id = ?", [`by-${i}`, first]);
        if (attempts[i] === 1 && ++arrived === 2) bothLocked();
        if (attempts[i] === 1) await barrier;
        await tx.query("UPDATE accounts SET updated_at = updated_at + 1 WHERE id = ?", [second]);
        return attempts[i];
      });
    const results = await Promise.all([cross(0, "a", "b"), cross(1, "b", "a")]);
    expect(attempts.reduce((x, y) => x + y)).toBe(3); // one of them was the deadlock victim, once
    expect(results.sort()).toEqual([1, 2]);
    const rows: Array<{ updated_at: number }> = await store.manager.query("SELECT updated_at FROM accounts ORDER BY id");
    expect(rows.map((r) => Number(r.updated_at))).toEqual([now + 1, now + 1]); // each committed exactly once
  });

  it("a refusal from the transaction itself is not retried", async () => {
    let attempts = 0;
    await expect(
      store.write(async () => {
        attempts++;
        throw new AppError(ErrorCode.KEY_LIMIT_REACHED, "no");
      }),
    ).rejects.toBeInstanceOf(AppError);
    expect(attempts).toBe(1);
  });

  it("a conflict that persists is given up after a bounded number of attempts and answers 503 STORE_UNAVAILABLE", async () => {
    let attempts = 0;
    const started = Date.now();
    const err = await store
      .write(async (tx) => {
        attempts++;
        await tx.query("SELECT 1");
        throw Object.assign(new Error("Deadlock found when trying to get lock; try restarting transaction"), { code: "ER_LOCK_DEADLOCK", errno: 1213 });
      })
      .catch((e: unknown) => e);
    expect(attempts).toBe(16);
    expect(Date.now() - started).toBeLessThan(10_000);
    const mapped = toAppError(err);
    expect(mapped.code).toBe(ErrorCode.STORE_UNAVAILABLE);
    expect(mapped.status).toBe(503);
  });

  it.each([
    ["ER_UNKNOWN_COM_ERROR", 1047, "WSREP has not yet prepared node for application use"],
    ["ER_ERROR_DURING_COMMIT", 1180, "Got error 6 \"No such device or address\" during COMMIT"],
    ["ER_LOCK_WAIT_TIMEOUT", 1205, "Lock wait timeout exceeded; try restarting transaction"],
    [undefined, 1927, "Connection was killed"],
  ])("a lost or unready node (%s / %i) is 503 STORE_UNAVAILABLE, not 500", (code, errno, message) => {
    const mapped = toAppError({ driverError: { code, errno, message }, message });
    expect([mapped.status, mapped.code]).toEqual([503, ErrorCode.STORE_UNAVAILABLE]);
  });

  it("other driver errors stay 500 INTERNAL (a bug, not an outage)", () => {
    expect(toAppError({ driverError: { code: "ER_DUP_ENTRY", errno: 1062 }, message: "Duplicate entry" }).code).toBe(ErrorCode.INTERNAL);
  });
});
