import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniqueName } from '../test/support/platform.ts';
import { upsertGuarded } from './guarded-upsert.ts';

describe('upsertGuarded against Postgres', () => {
  let pool: pg.Pool;
  let table: string;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: (await testConfig()).database.url });
    table = uniqueName('threads').replaceAll('-', '_');
    await pool.query(
      `create table ${table} (thread_id text primary key, subject text not null, version bigint not null)`,
    );
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  const subjectOf = async (threadId: string) =>
    (await pool.query<{ subject: string }>(`select subject from ${table} where thread_id = $1`, [threadId])).rows[0]
      ?.subject;

  it('when an older event arrives after a newer one, then the row keeps what the newer one wrote', async () => {
    const newer = new Date('2026-11-22T10:00:00Z');
    const older = new Date('2026-11-22T09:00:00Z');
    expect(await upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-1', subject: 'renamed' }, newer)).toBe(true);
    expect(await upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-1', subject: 'original' }, older)).toBe(
      false,
    );
    expect(await subjectOf('t-1')).toBe('renamed');
  });

  it('when a newer event arrives, then it overwrites; the same event again changes nothing', async () => {
    const first = new Date('2026-11-22T09:00:00Z');
    const second = new Date('2026-11-22T09:30:00Z');
    await upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-2', subject: 'first' }, first);
    expect(await upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-2', subject: 'second' }, second)).toBe(true);
    expect(await upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-2', subject: 'second' }, second)).toBe(
      false,
    );
    expect(await subjectOf('t-2')).toBe('second');
  });

  it('when a column name is not a plain identifier, then it is refused rather than spliced into SQL', async () => {
    await expect(
      upsertGuarded(pool, table, ['thread_id'], { thread_id: 't-3', 'subject; drop table x': 'x' }, new Date()),
    ).rejects.toThrow('not a plain SQL identifier');
  });
});
