import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, uniqueName } from '../../test/support/platform.ts';
import { migrate, type Migration } from './migrations.ts';

/** A database of the test's own, empty like a fresh machine's: no migrations table yet. */
describe('migrate on an empty database', () => {
  let admin: pg.Pool;
  let pool: pg.Pool;
  let database: string;

  beforeAll(async () => {
    const { database: settings } = await testConfig();
    admin = new pg.Pool({ connectionString: settings.url, max: 1 });
    database = uniqueName('fresh').replaceAll('-', '_');
    await admin.query(`create database ${database}`);
    const url = new URL(settings.url);
    url.pathname = `/${database}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 12 });
  });
  afterAll(async () => {
    await pool.end();
    await admin.query(`drop database if exists ${database}`);
    await admin.end();
  });

  it('when many owners migrate at the same moment, then none fails and each migration is applied exactly once', async () => {
    const migrations = (owner: string): Migration[] => [
      { version: 1, name: 'table', sql: `create table ${owner}_things (id int primary key)` },
      { version: 2, name: 'column', sql: `alter table ${owner}_things add column label text` },
    ];
    const owners = ['runtime', 'realtime', 'counts', 'threads', 'ledger', 'lake'];
    // Each owner twice, as two processes starting together would.
    const results = await Promise.all([...owners, ...owners].map((owner) => migrate(pool, owner, migrations(owner))));

    expect(results.flat().sort()).toEqual(owners.flatMap(() => [1, 2]).sort());
    const { rows } = await pool.query<{ owner: string; n: string }>(
      'select owner, count(*) as n from public.tributary_migrations group by owner order by owner',
    );
    expect(rows).toEqual([...owners].sort().map((owner) => ({ owner, n: '2' })));
  });
});
