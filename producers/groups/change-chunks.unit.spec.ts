import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, changeChunks } from './change-chunks.ts';
import type { PlannedChange } from './plan.ts';

const change = (lineNumber: number, memberId: string, over: Partial<PlannedChange> = {}): PlannedChange => ({
  lineNumber,
  memberId,
  groupId: 'g-a',
  action: 'add',
  applied: false,
  enroll: null,
  ...over,
});

describe('changeChunks', () => {
  it('when changes name many members, then each member is in the chunk of its bucket, in file order', () => {
    const planned = Array.from({ length: 500 }, (_, i) => change(i + 2, `m-${i % 120}`));
    const chunks = changeChunks(planned);
    expect(chunks.flatMap((c) => c.changes)).toHaveLength(500);
    for (const { bucket, changes } of chunks) {
      for (const c of changes) expect(bucket).toBe(`bucket-${bucketOf(c.memberId)}`);
      const lines = changes.map((c) => c.lineNumber);
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
    }
    expect(new Set(chunks.map((c) => c.bucket)).size).toBe(chunks.length);
    expect(chunks.length).toBeLessThanOrEqual(BUCKETS);
  });

  it('when a change was applied by an earlier run, then it is left out, unless its enrollment is still to publish', () => {
    const chunks = changeChunks([
      change(2, 'm-1', { applied: true }),
      change(3, 'm-2', { applied: true, enroll: { applied: true } }),
      change(4, 'm-3', { applied: true, enroll: { applied: false } }),
      change(5, 'm-3', { groupId: 'g-b', enroll: { applied: false } }),
    ]);
    expect(chunks.flatMap((c) => c.changes)).toEqual([
      { lineNumber: 4, memberId: 'm-3', groupId: 'g-a', action: 'add', enrolls: true, changes: false },
      { lineNumber: 5, memberId: 'm-3', groupId: 'g-b', action: 'add', enrolls: true, changes: true },
    ]);
  });

  it('when a bucket holds more than a Kafka record should, then it is split in file order', () => {
    const long = 'm'.repeat(60_000);
    const chunks = changeChunks(Array.from({ length: 10 }, (_, i) => change(i + 2, long, { groupId: `g-${i}` })));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap((c) => c.changes.map((x) => x.lineNumber))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('when the same member id is bucketed twice, then it lands in the same bucket', () => {
    expect(bucketOf('member-42')).toBe(bucketOf('member-42'));
    expect(bucketOf('')).toBeGreaterThanOrEqual(0);
  });
});
