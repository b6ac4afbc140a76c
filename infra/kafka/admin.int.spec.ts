import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietLogger, testConfig, uniqueName } from '../../test/support/platform.ts';
import { KafkaAdmin, withKafkaAdmin } from './admin.ts';
import { createKafka, type KafkaConnection } from './client.ts';

let kafka: KafkaConnection;
let admin: KafkaAdmin;
const created: string[] = [];
beforeAll(async () => {
  kafka = createKafka((await testConfig()).kafka, quietLogger());
  admin = new KafkaAdmin(kafka);
});
afterAll(async () => {
  await admin.close();
  const raw = kafka.admin();
  await raw.connect();
  await raw.deleteTopics({ topics: created }).catch(() => undefined);
  await raw.disconnect();
});

async function topicWithRecords(partitions: number, records: number): Promise<string> {
  const topic = uniqueName('admin-test');
  created.push(topic);
  await admin.applyTopics([{ name: topic, partitions, retentionMs: 3_600_000, cleanupPolicy: 'delete', doc: 'test' }]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: records }, (_, i) => ({ partition: 0, value: `record ${i}` })),
  });
  await producer.disconnect();
  return topic;
}

describe('the Kafka admin module', () => {
  it('when a topic holds records, then its offsets and partition count are reported per partition', async () => {
    const topic = await topicWithRecords(2, 3);
    expect(await admin.partitionCount(topic)).toBe(2);
    const offsets = await admin.topicOffsets(topic);
    expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, low: 0n, high: 3n },
      { partition: 1, low: 0n, high: 0n },
    ]);
  });

  it('when a group commits offsets, then they are read back, rewound to the earliest, and the group deleted', async () => {
    const topic = await topicWithRecords(1, 3);
    const groupId = uniqueName('admin-test-group');
    expect(await admin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: null }]);

    await admin.commitOffsets(groupId, topic, [{ partition: 0, offset: 2n }]);
    expect(await admin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: 2n }]);
    expect(await admin.groupIds()).toContain(groupId);

    await admin.rewindGroup(groupId, topic);
    expect(await admin.committedOffsets(groupId, topic)).toEqual([{ partition: 0, offset: null }]);

    expect(await admin.deleteGroup(groupId)).toBe(true);
    expect(await admin.groupIds()).not.toContain(groupId);
    expect(await admin.deleteGroup(groupId)).toBe(false);
  });

  it('when the cluster is described, then it names its brokers; after close the next request connects again', async () => {
    expect((await admin.describeCluster()).brokers.length).toBeGreaterThan(0);
    await admin.close();
    expect((await admin.describeCluster()).brokers.length).toBeGreaterThan(0);
    expect(await withKafkaAdmin(kafka, async (own) => (await own.describeCluster()).clusterId)).toBeTruthy();
  });

  it('when the broker cannot be reached, then the request fails and a later one tries to connect again', async () => {
    const unreachable = createKafka({ ...(await testConfig()).kafka, brokers: ['127.0.0.1:1'] }, quietLogger(), {
      connectionTimeout: 200,
      retry: { retries: 0 },
    });
    const broken = new KafkaAdmin(unreachable);
    await expect(broken.describeCluster()).rejects.toThrow();
    await expect(broken.describeCluster()).rejects.toThrow();
    await broken.close();
  });
});
