import { describe, expect, it } from 'vitest';
import { athenaLogQuery } from './athena-sql.ts';

const query = {
  environment: 'prod',
  organizationId: "org-o'neil",
  logTypes: ['web', 'agw'] as const,
  from: new Date('2026-11-22T23:00:00Z'),
  to: new Date('2026-11-23T01:00:00Z'),
  transactionId: 'tx-1',
  limit: 50,
};

describe('athenaLogQuery (a structured query as Athena SQL)', () => {
  it('when a query spans two types and midnight, then each type’s table is named with the organization and exactly the range’s hours as partition values', () => {
    const { sql, parameters } = athenaLogQuery(query, 'tributary_logs');

    expect(sql).toContain('from tributary_logs.logs_web');
    expect(sql).toContain('from tributary_logs.logs_agw');
    expect(sql.match(/union all/g)).toHaveLength(1);
    expect(sql).toMatch(/limit 50$/);
    expect(parameters.slice(0, 12)).toEqual([
      "'prod'",
      "'org-o''neil'",
      "'2026'",
      "'11'",
      "'22'",
      "'23'",
      "'2026'",
      "'11'",
      "'23'",
      "'00'",
      "'2026-11-22 23:00:00.000'",
      "'2026-11-23 01:00:00.000'",
    ]);
  });

  it('when values come from the caller, then none is spliced into the SQL: each is an execution parameter', () => {
    const { sql, parameters } = athenaLogQuery({ ...query, text: "x' or 1=1 --" }, 'db');

    expect(sql).not.toContain("o'neil");
    expect(sql).not.toContain('1=1');
    expect(parameters).toContain("'x'''");
    expect(sql.split('?').length - 1).toBe(parameters.length);
  });
});
