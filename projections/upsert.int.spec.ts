import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniqueName } from '../test/support/platform.ts';
import { guardedUpsert, type VersionedRow } from './upsert.ts';

describe('guardedUpsert against Postgres', () => {
  let pool: pg.Pool;
  let table: string;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: (await testConfig()).database.url });
    table = uniqueName('threads').replaceAll('-', '_');
    await pool.query(
      `create table ${table} (thread_id text primary key, subject text not null, opened_at timestamptz, version bigint not null)`,
    );
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  const apply = async (rows: VersionedRow[]) => {
    const statement = guardedUpsert(table, ['thread_id'], rows);
    return statement ? (await pool.query(statement.sql, [...statement.params])).rowCount : 0;
  };
  const subjectOf = async (threadId: string) =>
    (await pool.query<{ subject: string }>(`select subject from ${table} where thread_id = $1`, [threadId])).rows[0]
      ?.subject;

  it('when an older event arrives after a newer one, then the row keeps what the newer one wrote', async () => {
    expect(
      await apply([{ row: { thread_id: 't-1', subject: 'renamed' }, version: new Date('2026-11-22T10:00:00Z') }]),
    ).toBe(1);
    expect(
      await apply([{ row: { thread_id: 't-1', subject: 'original' }, version: new Date('2026-11-22T09:00:00Z') }]),
    ).toBe(0);
    expect(await subjectOf('t-1')).toBe('renamed');
  });

  it('when one statement carries many rows, some for the same key, then the newest of each key wins, with the table column types', async () => {
    const opened = new Date('2026-11-22T08:00:00Z');
    const written = await apply([
      { row: { thread_id: 't-2', subject: 'second', opened_at: opened }, version: new Date('2026-11-22T09:30:00Z') },
      { row: { thread_id: 't-2', subject: 'first', opened_at: opened }, version: new Date('2026-11-22T09:00:00Z') },
      { row: { thread_id: 't-3', subject: 'other', opened_at: opened }, version: new Date('2026-11-22T09:00:00Z') },
    ]);
    expect(written).toBe(2);
    expect(await subjectOf('t-2')).toBe('second');
    const { rows } = await pool.query<{ opened_at: Date }>(`select opened_at from ${table} where thread_id = 't-3'`);
    expect(rows[0]!.opened_at).toEqual(opened);
  });

  it('when there are no rows, then there is no statement', () => {
    expect(guardedUpsert(table, ['thread_id'], [])).toBeUndefined();
  });

  it('when a column name is not a plain identifier, then it is refused rather than spliced into SQL', () => {
    expect(() =>
      guardedUpsert(
        table,
        ['thread_id'],
        [{ row: { thread_id: 't-4', 'subject; drop table x': 'x' }, version: new Date() }],
      ),
    ).toThrow('not a plain SQL identifier');
  });
});
