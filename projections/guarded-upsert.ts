import type pg from 'pg';

/**
 * Inserts or updates one read-model row, unless the row already holds a newer version: an
 * older event (a redelivery, a redriven dead letter) never overwrites what a newer one wrote.
 * The version is the event's time (`metadata.occurredAt`), which survives redrives, unlike offsets.
 * Returns whether the row was written.
 */
export async function upsertGuarded(
  tx: Pick<pg.PoolClient, 'query'>,
  table: string,
  keyColumns: readonly string[],
  row: Readonly<Record<string, unknown>>,
  version: Date,
): Promise<boolean> {
  const columns = [...Object.keys(row), 'version'];
  const values = [...Object.values(row), version.getTime()];
  const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${quote(c)} = excluded.${quote(c)}`);
  const sql = `insert into ${table} (${columns.map(quote).join(', ')})
    values (${columns.map((_, i) => `$${i + 1}`).join(', ')})
    on conflict (${keyColumns.map(quote).join(', ')}) do update set ${updates.join(', ')}
    where ${table}.version < excluded.version`;
  const result = await tx.query(sql, values);
  return (result.rowCount ?? 0) > 0;
}

function quote(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`not a plain SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}
