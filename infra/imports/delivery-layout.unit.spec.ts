import { describe, expect, it } from 'vitest';
import { incomingKey, parseIncomingKey, reportKey } from './delivery-layout.ts';

describe('the data-delivery layout', () => {
  it('when a key is made for a file, then parsing it gives the organization, kind and file back', () => {
    expect(parseIncomingKey(incomingKey('org-a', 'transactions', 'nightly.csv'))).toEqual({
      organizationId: 'org-a',
      kind: 'transactions',
      fileName: 'nightly.csv',
    });
  });

  it('when the file sits in a sub-folder, then its base name is the file name', () => {
    expect(parseIncomingKey('incoming/org-a/groups/2026/11/changes.csv')).toMatchObject({ fileName: 'changes.csv' });
  });

  it('when a key lacks its organization, kind or file, then it says which', () => {
    expect(parseIncomingKey('reports/org-a/transactions/x.csv')).toEqual({
      problem: 'the key does not start with incoming/',
    });
    expect(parseIncomingKey('incoming/org-a/Transactions/x.csv')).toMatchObject({
      problem: expect.stringMatching(/kind/),
    });
    expect(parseIncomingKey('incoming//transactions/x.csv')).toMatchObject({
      problem: expect.stringMatching(/organization/),
    });
    expect(parseIncomingKey('incoming/org-a/transactions/')).toEqual({ problem: 'the key names no file' });
  });

  it('when the organization id is as long as a token may carry (200), then its deliveries are read', () => {
    const organizationId = `o${'l'.repeat(199)}`;
    expect(parseIncomingKey(incomingKey(organizationId, 'transactions', 'x.csv'))).toEqual({
      organizationId,
      kind: 'transactions',
      fileName: 'x.csv',
    });
  });

  it('when a report is written, then its key is outside incoming/, so it is never taken for a delivery', () => {
    expect(reportKey('org-a', 'transactions', 'job-1')).toBe('reports/org-a/transactions/job-1.rejected.csv');
  });
});
