import type pg from 'pg';
import { quoteIdentifier } from '../infra/postgres/migrations.ts';

export interface TableDifference {
  readonly table: string;
  readonly liveRows: number;
  readonly rebuiltRows: number;
  /** Rows (counted with duplicates) in the live table and not in the rebuilt one. */
  readonly onlyLive: number;
  readonly onlyRebuilt: number;
}

/** Compares each table of two schemas row for row (EXCEPT ALL both ways). Tables must have the same columns. */
export async function compareTables(
  pool: pg.Pool,
  live: string,
  rebuilt: string,
  tables: readonly string[],
): Promise<TableDifference[]> {
  const results: TableDifference[] = [];
  for (const table of tables) {
    const a = `${quoteIdentifier(live)}.${quoteIdentifier(table)}`;
    const b = `${quoteIdentifier(rebuilt)}.${quoteIdentifier(table)}`;
    const { rows } = await pool.query<{
      live_rows: string;
      rebuilt_rows: string;
      only_live: string;
      only_rebuilt: string;
    }>(
      `select (select count(*) from ${a}) as live_rows,
              (select count(*) from ${b}) as rebuilt_rows,
              (select count(*) from (select * from ${a} except all select * from ${b}) x) as only_live,
              (select count(*) from (select * from ${b} except all select * from ${a}) y) as only_rebuilt`,
    );
    const row = rows[0]!;
    results.push({
      table,
      liveRows: Number(row.live_rows),
      rebuiltRows: Number(row.rebuilt_rows),
      onlyLive: Number(row.only_live),
      onlyRebuilt: Number(row.only_rebuilt),
    });
  }
  return results;
}
