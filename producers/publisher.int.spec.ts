import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEventSchemas } from '../schemas/avro.ts';
import { EventValidationError } from '../schemas/codec.ts';
import type { TributaryEvent } from '../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { threadCreated } from '../test/support/events.ts';
import { uniqueName } from '../test/support/platform.ts';
import { sampleEvent } from '../test/support/sample-events.ts';
import { HEADERS } from './publisher.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

async function readAll(topic: string, count: number) {
  const consumer = backbone.kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const records: {
    key: string;
    partition: number;
    offset: string;
    headers: Record<string, string>;
    event: TributaryEvent;
  }[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          records.push({
            key: message.key!.toString(),
            partition,
            offset: message.offset,
            headers,
            event: await backbone.codec.decode(message.value),
          });
          if (records.length === count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return records;
}

async function recordCount(topic: string): Promise<number> {
  const admin = backbone.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

describe('the publisher', () => {
  it('when every event type is published, then each is consumed and decoded equal to what was sent, keyed and with headers', async () => {
    const events = loadEventSchemas().map(sampleEvent);
    for (const event of events) await backbone.publisher.publish(event);

    const byTopic = new Map<string, TributaryEvent[]>();
    for (const event of events) {
      const topic = backbone.codec.definition(event.type).route.topic;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
    }
    for (const [topic, sent] of byTopic) {
      const received = await readAll(topic, sent.length);
      for (const event of sent) {
        const record = received.find((r) => r.event.metadata.eventId === event.metadata.eventId);
        expect(record?.event).toEqual(event);
        expect(record?.key).toBe(
          (backbone.codec.definition(event.type).route.key as (e: TributaryEvent) => string)(event),
        );
        expect(record?.headers).toMatchObject({
          [HEADERS.type]: event.type,
          [HEADERS.eventId]: event.metadata.eventId,
          [HEADERS.correlationId]: event.metadata.correlationId,
        });
      }
    }
    expect(new Set(events.map((e) => e.type)).size).toBe(loadEventSchemas().length);
  });

  it('when a payload field has the wrong type or is missing, then publish rejects naming the fields and sends nothing', async () => {
    const good = threadCreated();
    const bad = {
      ...good,
      payload: { ...good.payload, subject: 42, createdBy: undefined },
    } as unknown as TributaryEvent;
    const before = await recordCount(backbone.topics['messages.events']);

    const attempt = backbone.publisher.publish(bad);
    await expect(attempt).rejects.toBeInstanceOf(EventValidationError);
    await expect(attempt).rejects.toThrow(
      'ThreadCreated is invalid: payload.subject must be string (got 42); payload.createdBy must be string (got nothing)',
    );
    expect(await recordCount(backbone.topics['messages.events'])).toBe(before);
  });

  it('when the metadata is not well formed, then the error names the metadata field', async () => {
    const event = threadCreated();
    const bad = {
      ...event,
      metadata: { ...event.metadata, eventId: 'not-a-uuid', occurredAt: '2026-01-01' },
    } as unknown as TributaryEvent;
    await expect(backbone.publisher.publish(bad)).rejects.toThrow(
      'ThreadCreated is invalid: metadata.occurredAt must be a Date (got "2026-01-01"); metadata.eventId must be a UUID (got "not-a-uuid")',
    );
  });

  it('when a batch holds one invalid event, then none of the batch is sent', async () => {
    const before = await recordCount(backbone.topics['messages.events']);
    const broken = { ...threadCreated(), type: 'ThreadExploded' } as unknown as TributaryEvent;
    await expect(backbone.publisher.publishBatch([threadCreated(), broken, threadCreated()])).rejects.toThrow(
      '"ThreadExploded" is not a Tributary event type',
    );
    expect(await recordCount(backbone.topics['messages.events'])).toBe(before);
  });

  it('when a batch is published, then each event is at exactly the position returned for it', async () => {
    const events = Array.from({ length: 10 }, () => threadCreated());
    const positions = await backbone.publisher.publishBatch(events);
    const topic = backbone.topics['messages.events'];
    const received = await readAll(topic, await recordCount(topic));
    events.forEach((event, i) => {
      const at = received.find((r) => r.partition === positions[i]!.partition && r.offset === positions[i]!.offset);
      expect(positions[i]!.topic).toBe(topic);
      expect(at?.event.metadata.eventId).toBe(event.metadata.eventId);
    });
  });
});
