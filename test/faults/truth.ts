import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Every record of a topic, from the start to its end offsets as they are now. */
export async function readTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
  );
  const records: KafkaMessage[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 120 s`)), 120_000);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(batch.partition);
        for (const message of batch.messages) {
          if (end !== undefined && Number(message.offset) < end) records.push(message);
        }
        if (end !== undefined && Number(batch.lastOffset()) + 1 >= end) remaining.delete(batch.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

/** How many times each value occurs. */
export function tally(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The event ids in the lake under `prefix`, one per row, read from every Parquet object. */
export async function lakeEventIds(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'faults-lake-'));
  try {
    const files: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith('.parquet')) continue;
        const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
        const file = join(folder, `${files.length}.parquet`);
        writeFileSync(file, await body.Body!.transformToByteArray());
        files.push(file);
      }
      token = page.NextContinuationToken;
    } while (token);
    if (files.length === 0) return [];
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const list = files.map((file) => `'${file}'`).join(', ');
      const reader = await connection.runAndReadAll(`select event_id from read_parquet([${list}])`);
      return reader.getRowObjectsJson().map((row) => String(row.event_id));
    } finally {
      connection.closeSync();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
