import { describe, expect, it } from 'vitest';
import { splitByLane } from './lanes.ts';
import type { OutgoingRecord } from './pack-requests.ts';

const record = (topic: string, partition: number, key: string): OutgoingRecord => ({
  topic,
  partition,
  message: { key, value: Buffer.from(key), headers: {} },
});

describe('splitByLane', () => {
  it('when a batch spans partitions, then each partition goes to one lane in the order given, and indexes point back', () => {
    const batch = [
      record('a', 0, 'k0'),
      record('a', 4, 'k1'),
      record('b', 1, 'k2'),
      record('a', 0, 'k3'),
      record('a', 3, 'k4'),
    ];
    const shares = splitByLane(batch, 3);
    expect(shares.map((s) => s.records.map((r) => r.message.key))).toEqual([['k0', 'k3', 'k4'], ['k1', 'k2'], []]);
    for (const share of shares) share.records.forEach((r, i) => expect(batch[share.indexes[i]!]).toBe(r));
  });

  it('when there is one lane, then it takes the whole batch in order', () => {
    const batch = [record('a', 2, 'x'), record('a', 0, 'y')];
    expect(splitByLane(batch, 1)[0]!.records).toEqual(batch);
  });
});
