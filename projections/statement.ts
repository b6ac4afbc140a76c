/** One SQL statement a projection wants run, with its parameters ($1, $2, ...). */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
  /**
   * The rows `sql` inserts, for the runtime to stream with COPY instead when there are many:
   * COPY is what Postgres loads rows fastest with, and a batch from Kafka is thousands of rows.
   * `sql` stays the meaning and the fallback: COPY cannot skip a row already there, so it runs
   * under a savepoint and a unique violation (a redelivered copy) rolls back to it and runs `sql`.
   */
  readonly copy?: CopyRows;
}

/** Rows for COPY: each row's values in `columns` order; null is SQL NULL, a Date its ISO instant. */
export interface CopyRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly CopyValue[])[];
}

export type CopyValue = string | number | bigint | boolean | Date | null;

/** A schema or table or column name made safe to splice into SQL; only plain lower-case names are accepted. */
export function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}
