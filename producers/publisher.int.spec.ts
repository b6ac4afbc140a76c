import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import type { TopicName } from '../infra/kafka/topics.ts';
import { loadEventSchemas } from '../schemas/avro.ts';
import { eventDefinitions, subjectOf } from '../schemas/catalog.ts';
import { EventCodec, EventValidationError } from '../schemas/codec.ts';
import type { TributaryEvent } from '../schemas/generated/events.ts';
import { registerSchemas } from '../schemas/registration.ts';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { threadCreated } from '../test/support/events.ts';
import { quietLogger, uniqueName } from '../test/support/platform.ts';
import { sampleEvent } from '../test/support/sample-events.ts';
import { createPublisher, EventTooLargeError, HEADERS } from './publisher.ts';
import { singleRecordBatchSize } from './record-batch.ts';

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
      'ThreadCreated is invalid: metadata.eventId must be a UUID (got "not-a-uuid"); metadata.occurredAt must be a Date (got "2026-01-01")',
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

describe('the publisher timing its publishes', () => {
  it('when calls are acknowledged, then each is one observation of the publish latency, labelled by topic', async () => {
    const registry = new Registry();
    const publisher = createPublisher(backbone.kafka, backbone.codec, quietLogger(), { metrics: registry });
    await publisher.publish(threadCreated());
    await publisher.publishBatch([threadCreated(), threadCreated()]);
    await publisher.close();

    const page = await registry.metrics();
    const topic = backbone.topics['messages.events'];
    expect(page).toContain(`tributary_publish_duration_seconds_count{topic="${topic}"} 2`);
    expect(page).toMatch(new RegExp(`tributary_publish_duration_seconds_sum\\{topic="${topic}"\\} 0\\.\\d+`));
  });
});

describe('the publisher and max.message.bytes', () => {
  it("when a topic is declared with max.message.bytes, then applying it makes that the broker's limit: a record exactly that large is written, one byte more is refused before sending with event_too_large, as the broker would", async () => {
    const limit = 4096;
    const declaration = {
      name: uniqueName('limited'),
      partitions: 1,
      retentionMs: 3_600_000,
      cleanupPolicy: 'delete' as const,
      maxMessageBytes: limit,
      doc: 'test',
    };
    await withKafkaAdmin(backbone.kafka, (admin) => admin.applyTopics([declaration]));
    const base = eventDefinitions().find((d) => d.schema.name === 'ThreadCreated')!;
    const definition = {
      ...base,
      route: { ...base.route, topic: declaration.name as TopicName },
      subject: subjectOf(declaration.name, base.schema.fullName),
    };
    await registerSchemas(backbone.registry, [definition]);
    const codec = new EventCodec(backbone.registry, [definition]);
    const publisher = createPublisher(backbone.kafka, codec, quietLogger(), { topics: [declaration] });
    const raw = backbone.kafka.producer();
    await raw.connect();
    try {
      /** A ThreadCreated whose record batch is `bytes` long, and that record as the publisher sends it. */
      const sized = async (bytes: number) => {
        let length = 0;
        for (let tries = 0; tries < 20; tries += 1) {
          const subject = 'x'.repeat(length);
          const event = threadCreated(randomUUID(), subject);
          const { key, value } = await codec.encode(event);
          const message = {
            key,
            value,
            headers: {
              [HEADERS.type]: event.type,
              [HEADERS.eventId]: event.metadata.eventId,
              [HEADERS.correlationId]: event.metadata.correlationId,
            },
          };
          const size = singleRecordBatchSize(message);
          if (size === bytes) return { event, message };
          length += bytes - size;
        }
        throw new Error(`no ThreadCreated is exactly ${bytes} bytes`);
      };

      const fits = await sized(limit);
      const [position] = await publisher.publishBatch([fits.event]);
      expect(position).toMatchObject({ topic: declaration.name, offset: '0' });

      const over = await sized(limit + 1);
      const attempt = publisher.publish(over.event);
      await expect(attempt).rejects.toBeInstanceOf(EventTooLargeError);
      await expect(attempt).rejects.toMatchObject({
        status: 413,
        code: 'event_too_large',
        detail: `ThreadCreated encodes to ${limit + 1} bytes (a Kafka record batch of it alone, key and headers included); ${declaration.name} takes at most ${limit} bytes (max.message.bytes)`,
      });
      expect(await recordCount(declaration.name)).toBe(1);
      await expect(
        raw.send({ topic: declaration.name, acks: -1, messages: [{ ...over.message, partition: 0 }] }),
      ).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    } finally {
      await raw.disconnect();
      await publisher.close();
      const admin = backbone.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [declaration.name] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('when one batch holds more for one partition than max.message.bytes, then it is sent in several requests and every event is at the position returned for it', async () => {
    const threadId = randomUUID();
    const events = Array.from({ length: 500 }, () => threadCreated(threadId, 's'.repeat(4000)));
    const positions = await backbone.publisher.publishBatch(events);
    expect(new Set(positions.map((p) => p.partition)).size).toBe(1);
    const topic = backbone.topics['messages.events'];
    const received = await readAll(topic, await recordCount(topic));
    events.forEach((event, i) => {
      const at = received.find((r) => r.partition === positions[i]!.partition && r.offset === positions[i]!.offset);
      expect(at?.event.metadata.eventId).toBe(event.metadata.eventId);
    });
  });

  it('when many callers publish at once, then each gets the exact position of its own event', async () => {
    const events = Array.from({ length: 200 }, () => threadCreated());
    const positions = await Promise.all(events.map((event) => backbone.publisher.publish(event)));
    const topic = backbone.topics['messages.events'];
    const received = await readAll(topic, await recordCount(topic));
    events.forEach((event, i) => {
      const at = received.find((r) => r.partition === positions[i]!.partition && r.offset === positions[i]!.offset);
      expect(at?.event.metadata.eventId).toBe(event.metadata.eventId);
    });
  });
});
