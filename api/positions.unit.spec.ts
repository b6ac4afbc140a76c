import { describe, expect, it } from 'vitest';
import { decodePosition, PartitionCounts, unreachable } from './positions.ts';

/** A cluster whose topics have the given partition counts, counting how often it is asked. */
function cluster(counts: Record<string, number>) {
  const asked: string[] = [];
  return {
    asked,
    count: async (topic: string) => {
      asked.push(topic);
      return counts[topic] ?? 0;
    },
  };
}

describe('PartitionCounts', () => {
  it('when partitions below the known count are asked about again, then the cluster is asked once', async () => {
    const kafka = cluster({ 'messages.events': 6 });
    const partitions = new PartitionCounts(kafka.count);

    const answers = await Promise.all([0, 5, 3, 5].map((p) => partitions.exists('messages.events', p)));

    expect(answers).toEqual([true, true, true, true]);
    expect(kafka.asked).toEqual(['messages.events']);
  });

  it('when a partition beyond the count is asked about, then the cluster is asked again at most once a second, so an added partition is found', async () => {
    const counts = { 'messages.events': 2 };
    const kafka = cluster(counts);
    let now = 0;
    const partitions = new PartitionCounts(kafka.count, () => now);

    expect(await partitions.exists('messages.events', 2)).toBe(false);
    expect(await partitions.exists('messages.events', 2)).toBe(false);
    expect(kafka.asked).toHaveLength(1);

    counts['messages.events'] = 4;
    now = 1000;
    expect(await partitions.exists('messages.events', 2)).toBe(true);
    expect(kafka.asked).toHaveLength(2);
  });
});

describe('unreachable', () => {
  const partitions = () => new PartitionCounts(cluster({ 'messages.events': 3, 'realtime.notifications': 3 }).count);

  it('when every topic is read and every partition exists, then nothing is wrong', async () => {
    expect(await unreachable({ 'messages.events': { '2': '10' } }, ['messages.events'], partitions())).toBeUndefined();
  });

  it('when a topic is not read or a partition does not exist, then it says which', async () => {
    expect(await unreachable({ 'realtime.notifications': { '0': '1' } }, ['messages.events'], partitions())).toBe(
      'topic realtime.notifications is not read by this read model',
    );
    expect(await unreachable({ 'messages.events': { '99': '1' } }, ['messages.events'], partitions())).toBe(
      'partition 99 does not exist in messages.events',
    );
  });
});

describe('decodePosition', () => {
  it('when a partition is not a partition number, then it is not a position token', () => {
    const token = Buffer.from(JSON.stringify({ 'messages.events': { x: '1' } })).toString('base64url');

    expect(() => decodePosition(token)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_position' }));
  });
});
