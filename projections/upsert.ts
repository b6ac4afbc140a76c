import { identifier, type Statement } from './statement.ts';

export interface VersionedRow {
  readonly row: Readonly<Record<string, unknown>>;
  /** The event's time (`metadata.occurredAt`): an older version never overwrites a newer one. */
  readonly version: Date;
}

/**
 * One set-based statement that inserts or updates many rows of `table`, each only when it is
 * newer than what the row holds: an older event (a redelivery, a redriven dead letter) never
 * overwrites what a newer one wrote. The rows travel as one JSON parameter and take the table's
 * own column types (`jsonb_populate_recordset`), so the statement is the same for any table
 * with a `version bigint` column. Rows with the same key are reduced to the newest first
 * (Postgres refuses to update one row twice in one statement). Undefined when there are none.
 */
export function guardedUpsert(
  table: string,
  keyColumns: readonly string[],
  rows: readonly VersionedRow[],
): Statement | undefined {
  if (rows.length === 0) return undefined;
  const newest = new Map<string, VersionedRow>();
  for (const candidate of rows) {
    const key = JSON.stringify(keyColumns.map((column) => candidate.row[column]));
    const held = newest.get(key);
    if (!held || held.version.getTime() <= candidate.version.getTime()) newest.set(key, candidate);
  }
  const columns = [...Object.keys(rows[0]!.row), 'version'];
  const records = [...newest.values()].map(({ row, version }) => ({ ...row, version: version.getTime() }));
  const quoted = columns.map(identifier);
  const updates = columns
    .filter((column) => !keyColumns.includes(column))
    .map((column) => `${identifier(column)} = excluded.${identifier(column)}`);
  const target = identifier(table);
  return {
    sql: `insert into ${target} (${quoted.join(', ')})
      select ${quoted.join(', ')} from jsonb_populate_recordset(null::${target}, $1::jsonb)
      on conflict (${keyColumns.map(identifier).join(', ')}) do update set ${updates.join(', ')}
      where ${target}.version < excluded.version`,
    params: [JSON.stringify(records)],
  };
}
