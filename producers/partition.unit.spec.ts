import { randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionOf } from './partition.ts';

describe('partitionOf', () => {
  it("when any key is partitioned, then it lands where kafkajs's DefaultPartitioner (the Java client's murmur2) puts it", () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'org-1',
      'é漢字🙂',
      ...Array.from({ length: 2000 }, () => randomUUID()),
      ...Array.from({ length: 2000 }, (_, i) => randomBytes(i % 97).toString('latin1')),
    ];
    for (const partitions of [1, 3, 6, 7, 12, 100]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      for (const key of keys) {
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(partitionOf(key, partitions), `${JSON.stringify(key)} of ${partitions}`).toBe(expected);
      }
    }
  });
});
