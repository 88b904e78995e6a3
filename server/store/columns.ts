import type { EntitySchemaColumnOptions } from "typeorm";

/** Times are stored as epoch milliseconds in BIGINT: portable across SQLite and MySQL, no time-zone games. */
const toNumber = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

export const epochMs = (nullable = false): EntitySchemaColumnOptions => ({
  type: "bigint",
  nullable,
  transformer: toNumber,
});

export const json = <T>(): EntitySchemaColumnOptions => ({
  type: "text",
  transformer: {
    to: (v: T) => JSON.stringify(v),
    from: (v: string | null) => (v === null ? null : (JSON.parse(v) as T)),
  },
});
