import { describe, expect, it } from 'vitest';
import { packRequests, type OutgoingRecord } from './pack-requests.ts';
import { RECORD_BATCH_OVERHEAD, recordSize } from './record-batch.ts';

const record = (partition: number, valueBytes = 100, topic = 'orders'): OutgoingRecord => ({
  topic,
  partition,
  message: { key: 'k', value: Buffer.alloc(valueBytes), headers: {} },
});

/** The largest batch of each partition in each request, as the broker would measure it. */
function batchSizes(requests: ReturnType<typeof packRequests<string>>): number[] {
  return requests.flatMap((request) => {
    const byPartition = new Map<string, OutgoingRecord[]>();
    for (const { record } of request)
      byPartition.set(`${record.topic}/${record.partition}`, [
        ...(byPartition.get(`${record.topic}/${record.partition}`) ?? []),
        record,
      ]);
    return [...byPartition.values()].map(
      (records) => RECORD_BATCH_OVERHEAD + records.reduce((sum, r, i) => sum + recordSize(r.message, i), 0),
    );
  });
}

describe('packRequests', () => {
  it('when callers fit one request, then they share it, in order', () => {
    const requests = packRequests(
      [
        { caller: 'a', records: [record(0), record(1)] },
        { caller: 'b', records: [record(0)] },
      ],
      () => 1_048_576,
    );
    expect(requests.map((r) => r.map((e) => `${e.caller}${e.index}`))).toEqual([['a0', 'a1', 'b0']]);
  });

  it("when the next caller would make a partition's batch larger than max.message.bytes, then it goes in the next request, whole", () => {
    const one = RECORD_BATCH_OVERHEAD + recordSize(record(0).message, 0);
    const limit = one + recordSize(record(0).message, 1) - 1; // one record per partition fits, two do not
    const requests = packRequests(
      [
        { caller: 'a', records: [record(0), record(1)] },
        { caller: 'b', records: [record(1), record(0)] },
        { caller: 'c', records: [record(2)] },
      ],
      () => limit,
    );
    expect(requests.map((r) => r.map((e) => `${e.caller}${e.index}`))).toEqual([
      ['a0', 'a1'],
      ['b0', 'b1', 'c0'],
    ]);
    for (const size of batchSizes(requests)) expect(size).toBeLessThanOrEqual(limit);
  });

  it('when one caller has more for a partition than one request can carry, then it is spread over requests in order, each under the limit', () => {
    const records = Array.from({ length: 25 }, () => record(0, 1000));
    const limit = 10_000;
    const requests = packRequests([{ caller: 'big', records }], () => limit);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.flat().map((e) => e.index)).toEqual(records.map((_, i) => i));
    for (const size of batchSizes(requests)) expect(size).toBeLessThanOrEqual(limit);
  });

  it('when topics have different limits, then each partition is held to its own topic', () => {
    const requests = packRequests(
      [
        { caller: 'a', records: [record(0, 500, 'small'), record(0, 500, 'large')] },
        { caller: 'b', records: [record(0, 500, 'large')] },
        { caller: 'c', records: [record(0, 500, 'small')] },
      ],
      (topic) => (topic === 'small' ? 700 : 1_048_576),
    );
    expect(requests.map((r) => r.map((e) => e.caller))).toEqual([['a', 'a', 'b'], ['c']]);
  });
});
