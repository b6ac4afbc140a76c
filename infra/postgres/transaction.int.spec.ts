import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/support/platform.ts';
import { inTransaction } from './transaction.ts';

const config = await testConfig();
const pool = new pg.Pool({ connectionString: config.database.url, max: 2 });
const admin = new pg.Pool({ connectionString: config.database.url, max: 1 });
afterAll(async () => {
  await pool.end();
  await admin.end();
});

describe('inTransaction when the connection dies between two queries', () => {
  it('when Postgres ends the backend while work waits, then the transaction rejects and the process keeps running', async () => {
    // Found by the fault suite: a Postgres kill crashed every projection process with an
    // unhandled 'error' event of a checked-out client.
    const work = inTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await sleep(300); // the FATAL arrives while no query is running
      await tx.query('select 1');
    });
    await expect(work).rejects.toThrow();
    const { rows } = await pool.query<{ one: number }>('select 1 as one');
    expect(rows[0]!.one).toBe(1);
  });
});
