import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inTransaction } from '../infra/postgres/transaction.ts';
import { testConfig, uniqueName } from '../test/support/platform.ts';
import { COPY_MIN_ROWS, runStatements } from './run-statements.ts';
import type { CopyValue, Statement } from './statement.ts';

const COLUMNS = ['id', 'note', 'amount', 'flag', 'at'];

/** Rows by COPY, with an INSERT ... ON CONFLICT DO NOTHING as their SQL, as a projection writes them. */
function rowsStatement(table: string, rows: CopyValue[][], sqlNote?: string): Statement {
  return {
    sql: `insert into ${table} (${COLUMNS.join(', ')})
      select id, coalesce($6, note), amount, flag, at
      from unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::timestamptz[]) as r(id, note, amount, flag, at)
      on conflict (id) do nothing`,
    params: [...COLUMNS.map((_, column) => rows.map((row) => row[column])), sqlNote ?? null],
    copy: { table, columns: COLUMNS, rows },
  };
}

const many = (from: number, count: number): CopyValue[][] =>
  Array.from({ length: count }, (_, n) => [`r-${from + n}`, 'copied', from + n, true, new Date(0)]);

describe('runStatements against Postgres', () => {
  let pool: pg.Pool;
  const schema = uniqueName('run_statements').replaceAll('-', '_');
  const table = 'entries';

  const run = (statements: Statement[]) =>
    inTransaction(pool, async (tx) => {
      await tx.query(`set local search_path to ${schema}`);
      await runStatements(tx, statements);
    });
  const notes = async () =>
    (await pool.query<{ id: string; note: string | null }>(`select id, note from ${schema}.${table} order by id`)).rows;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: (await testConfig()).database.url, max: 2 });
    await pool.query(`create schema ${schema}`);
    await pool.query(
      `create table ${schema}.${table} (id text primary key, note text, amount bigint, flag boolean, at timestamptz)`,
    );
  });
  beforeEach(async () => {
    await pool.query(`truncate ${schema}.${table}`);
  });
  afterAll(async () => {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
  });

  it('when many rows hold tabs, newlines, backslashes, quotes, an empty string and nulls, then COPY writes each value as given', async () => {
    const awkward: CopyValue[][] = [
      ['tab', 'a\tb', 1, true, new Date('2026-11-23T01:02:03.456Z')],
      ['newline', 'line 1\nline 2\r\nline 3', -2, false, null],
      ['backslash', 'C:\\path\\N \\. \\', 9007199254740993n, null, null],
      ['end-marker', '\\.', 0, true, null],
      ['quotes', `"quoted", 'single', comma, semicolon;`, 4, true, null],
      ['empty', '', 5, true, null],
      ['null', null, null, null, null],
      ['unicode', 'café ☕ 𝄞', 6, true, null],
    ];
    await run([rowsStatement(table, [...awkward, ...many(0, COPY_MIN_ROWS)])]);
    const { rows } = await pool.query<{
      id: string;
      note: string | null;
      amount: string | null;
      flag: boolean | null;
      at: Date | null;
    }>(`select id, note, amount::text as amount, flag, at from ${schema}.${table} where id not like 'r-%'`);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const [id, note, amount, flag, at] of awkward) {
      const row = byId.get(id as string)!;
      expect(row.note).toBe(note);
      expect(row.amount).toBe(amount === null ? null : String(amount));
      expect(row.flag).toBe(flag);
      expect(row.at?.toISOString() ?? null).toBe((at as Date | null)?.toISOString() ?? null);
    }
  });

  it('when one of many rows is already there, then the COPY is rolled back and the SQL inserts the others, in the same transaction', async () => {
    await run([rowsStatement(table, many(0, 1))]);
    await run([
      rowsStatement(table, many(0, COPY_MIN_ROWS), 'by sql'),
      // A later statement of the same unit still applies: the failed COPY is confined to its savepoint.
      rowsStatement(table, [['after', 'after', 1, true, null]]),
    ]);
    const rows = await notes();
    expect(rows).toHaveLength(COPY_MIN_ROWS + 1);
    expect(rows.find((row) => row.id === 'r-0')!.note).toBe('copied');
    expect(rows.filter((row) => row.note === 'by sql')).toHaveLength(COPY_MIN_ROWS - 1);
    expect(rows.find((row) => row.id === 'after')!.note).toBe('after');
  });

  it('when a batch repeats a row of its own, then the SQL keeps the first and the unit applies', async () => {
    await run([rowsStatement(table, [...many(0, COPY_MIN_ROWS), ...many(0, 1)], 'by sql')]);
    expect(await notes()).toHaveLength(COPY_MIN_ROWS);
  });

  it('when there are fewer rows than COPY pays for, then the SQL inserts them, and from the threshold on, COPY', async () => {
    await run([rowsStatement(table, many(0, COPY_MIN_ROWS - 1), 'by sql')]);
    await run([rowsStatement(table, many(1000, COPY_MIN_ROWS), 'by sql')]);
    const rows = await notes();
    expect(rows.filter((row) => row.note === 'by sql')).toHaveLength(COPY_MIN_ROWS - 1);
    expect(rows.filter((row) => row.note === 'copied')).toHaveLength(COPY_MIN_ROWS);
  });

  it('when a row breaks a rule other than uniqueness, then the unit fails and nothing of it is written', async () => {
    await pool.query(`alter table ${schema}.${table} add constraint positive check (amount >= 0)`);
    try {
      const rows = many(0, COPY_MIN_ROWS);
      rows[10]![2] = -1;
      await expect(run([rowsStatement(table, rows)])).rejects.toMatchObject({ code: '23514' });
      expect(await notes()).toEqual([]);
    } finally {
      await pool.query(`alter table ${schema}.${table} drop constraint positive`);
    }
  });
});
