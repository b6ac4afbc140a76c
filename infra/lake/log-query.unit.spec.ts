import { describe, expect, it } from 'vitest';
import { conditionsOf, partitionsOf } from './log-query.ts';
import { objectKey, partitionPath } from './layout.ts';

const query = {
  environment: 'production',
  organizationId: 'org-1',
  logTypes: ['web', 'agw'] as const,
  from: new Date('2026-11-22T10:15:00Z'),
  to: new Date('2026-11-22T12:00:00Z'),
  limit: 10,
};

describe('the lake layout and structured queries', () => {
  it('when a partition is named, then its path is seed 004’s Hive layout, with odd characters escaped', () => {
    expect(
      partitionPath({
        environment: 'prod',
        organizationId: 'org 1/ä',
        logType: 'web',
        hour: new Date('2026-01-02T03:59:00Z'),
      }),
    ).toBe('logs/environment=prod/organization=org%201%2F%C3%A4/logtype=web/year=2026/month=01/day=02/hour=03');
    expect(
      objectKey(
        { environment: 'p', organizationId: 'o', logType: 'app', hour: new Date('2026-01-02T03:00:00Z') },
        { topic: 'logs.entries', partition: 4, firstOffset: '10', lastOffset: '99' },
      ),
    ).toMatch(/\/hour=03\/logs\.entries\+4\+10-99\.parquet$/);
  });

  it('when a query spans part of an hour and a whole one, then it names exactly those hours for each of its types', () => {
    expect(partitionsOf(query)).toEqual([
      'logs/environment=production/organization=org-1/logtype=web/year=2026/month=11/day=22/hour=10/',
      'logs/environment=production/organization=org-1/logtype=web/year=2026/month=11/day=22/hour=11/',
      'logs/environment=production/organization=org-1/logtype=agw/year=2026/month=11/day=22/hour=10/',
      'logs/environment=production/organization=org-1/logtype=agw/year=2026/month=11/day=22/hour=11/',
    ]);
  });

  it('when a query names no type, then it looks in every type’s partitions, and only its organization’s', () => {
    const { logTypes: _, ...everyType } = query;
    const prefixes = partitionsOf(everyType);
    expect(prefixes).toHaveLength(7 * 2);
    expect(prefixes.every((p) => p.includes('/organization=org-1/'))).toBe(true);
  });

  it('when text is searched, then each word is a lower-cased parameter, never part of the SQL', () => {
    const { where, params } = conditionsOf({
      ...query,
      text: "Timed OUT'; drop",
      transactionId: 't-1',
      success: false,
    });
    expect(where).not.toContain('drop');
    expect(params).toMatchObject({ word0: 'timed', word1: "out';", word2: 'drop', transaction: 't-1' });
    expect(where).toContain('not coalesce(list_bool_and');
  });
});
