import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyAllowed, partitionFilterOf } from './sql-partitions.ts';

let connection: DuckDBConnection;
beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => connection.closeSync());

const key = (org: string, type: string, month: string, hour: string) =>
  `logs/environment=prod/organization=${org}/logtype=${type}/year=2026/month=${month}/day=22/hour=${hour}/logs.entries+0+1-2.parquet`;
const allowedKeys = async (sql: string) => {
  const filter = await partitionFilterOf(connection, sql, 'tributary_logs');
  return [
    key('org-1', 'web', '11', '09'),
    key('org-1', 'web', '11', '10'),
    key('org-1', 'web', '01', '09'),
    key('org-2', 'web', '11', '09'),
    key('org-1', 'app', '11', '09'),
  ].filter((k) => keyAllowed(k, filter));
};

describe('the partitions a SQL statement can read', () => {
  it('when a SELECT names its organization, environment and hours with = and IN, then only those partitions of its table remain', async () => {
    expect(
      await allowedKeys(
        `select * from tributary_logs.logs_web where organization = 'org-1' and environment = 'prod' and hour in ('09') and month = 11`,
      ),
    ).toEqual([key('org-1', 'web', '11', '09')]);
  });

  it('when a number is compared with a zero-padded folder, then it matches as DuckDB compares it', async () => {
    expect(
      await allowedKeys(`select * from tributary_logs.logs_web where month = 1 and organization = 'org-1'`),
    ).toEqual([key('org-1', 'web', '01', '09')]);
  });

  it('when a condition is under an OR, or the statement joins, then it narrows nothing but the tables named', async () => {
    expect(
      await allowedKeys(`select * from tributary_logs.logs_web where organization = 'org-1' or hour = '10'`),
    ).toHaveLength(4);
    expect(
      await allowedKeys(
        `select * from tributary_logs.logs_web w join tributary_logs.logs_app a using (event_id) where w.organization = 'org-2'`,
      ),
    ).toHaveLength(5);
  });
});
