import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import { tailTopic, type TailedRecord } from './tail.ts';

/**
 * Every record of a topic still within retention, up to the end each partition had when called
 * (records that arrive meanwhile may be included), read with a throwaway group named `group.<random>`.
 */
export async function readToEnd(kafka: KafkaConnection, topic: string, group: string): Promise<TailedRecord[]> {
  const ends = await withKafkaAdmin(kafka, (admin) => admin.topicOffsets(topic));
  const wanted = ends.filter((p) => p.high > p.low);
  if (wanted.length === 0) return [];
  const records: TailedRecord[] = [];
  const remaining = new Set(wanted.map((p) => p.partition));
  let reachedEnd: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reachedEnd = resolve));
  const tail = await tailTopic(kafka, {
    topic,
    group,
    onRecord(record) {
      records.push(record);
      const end = wanted.find((p) => p.partition === record.partition)?.high ?? 0n;
      if (BigInt(record.offset) + 1n >= end) remaining.delete(record.partition);
      if (remaining.size === 0) reachedEnd();
    },
  });
  try {
    await done;
  } finally {
    await tail.stop();
  }
  return records;
}
