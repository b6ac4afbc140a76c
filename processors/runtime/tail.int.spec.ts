import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { metadata, threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { eventDefinitions } from '../../schemas/catalog.ts';
import { EventCodec } from '../../schemas/codec.ts';
import { RegistryClient } from '../../schemas/registry-client.ts';
import { DLQ_HEADERS, headerText } from './dead-letters.ts';
import { readToEnd } from './read-to-end.ts';
import { keyPartition, tailEvents, type TailedEvent } from './tail.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
});
afterAll(() => backbone.close());

describe('tailing a topic', () => {
  it('when two tails follow a topic with an undecodable record in it, then each gets every event in offset order, the record skipped with a warning', async () => {
    const topic = backbone.topics['messages.events'];
    const [first, second, third] = [threadCreated(), threadCreated(), threadCreated()];
    await backbone.publisher.publish(first);
    const producer = backbone.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'poison', value: Buffer.from('not an event') }] });
    await producer.disconnect();
    await backbone.publisher.publish(second);

    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const seen: TailedEvent[][] = [[], []];
    const tails = await Promise.all(
      seen.map((into) =>
        tailEvents(backbone.kafka, {
          topic,
          group: 'tributary.tail-test',
          codec: backbone.codec,
          logger,
          onEvent: (tailed) => {
            into.push(tailed);
          },
        }),
      ),
    );
    try {
      await Promise.all(tails.map((tail) => tail.ready));
      await backbone.publisher.publish(third);

      for (const into of seen) {
        await eventually(() => expect(into).toHaveLength(3));
        expect(into.map((t) => t.event.metadata.eventId)).toEqual(
          [first, second, third].map((e) => e.metadata.eventId),
        );
        expect(into.map((t) => t.offset)).toEqual(['0', '2', '3']);
      }
      expect(warnings).toEqual(['skipping an undecodable record', 'skipping an undecodable record']);
    } finally {
      await Promise.all(tails.map((tail) => tail.stop()));
    }
  });

  it('when a tail dead-letters, then an undecodable record and an event its reader refuses go to <topic>.dlq with their reasons, and the tail goes on to the next', async () => {
    const own = await isolatedBackbone({ partitions: 1 });
    const topic = own.topics['messages.events'];
    const [first, refused, last] = [threadCreated(), threadCreated(), threadCreated()];
    const producer = own.kafka.producer();
    await producer.connect();
    await own.publisher.publish(first);
    const [poison] = await producer.send({ topic, messages: [{ key: 'poison', value: Buffer.from('not an event') }] });
    await producer.disconnect();
    const [refusedAt] = await own.publisher.publishBatch([refused, last]);

    const warnings: { msg: string; reason?: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const delivered: string[] = [];
    const tail = await tailEvents(own.kafka, {
      topic,
      group: 'tributary.tail-test',
      codec: own.codec,
      logger,
      deadLetters: { processor: 'tail-test' },
      onEvent: ({ event }) => {
        if (event.metadata.eventId === refused.metadata.eventId) throw new Error('this reader cannot use it');
        delivered.push(event.metadata.eventId);
      },
    });
    try {
      await eventually(() => expect(delivered).toEqual([first.metadata.eventId, last.metadata.eventId]));
      const letters = await eventually(async () => {
        const read = await readToEnd(own.kafka, `${topic}.dlq`, 'tributary.tail-test-dlq');
        expect(read).toHaveLength(2);
        return read;
      });
      expect(
        letters.map((letter) => ({
          offset: headerText(letter.headers, DLQ_HEADERS.sourceOffset),
          reason: headerText(letter.headers, DLQ_HEADERS.reason),
          processor: headerText(letter.headers, DLQ_HEADERS.processor),
          error: headerText(letter.headers, DLQ_HEADERS.error),
        })),
      ).toEqual([
        { offset: poison!.baseOffset, reason: 'undecodable', processor: 'tail-test', error: expect.any(String) },
        { offset: refusedAt!.offset, reason: 'failed', processor: 'tail-test', error: 'this reader cannot use it' },
      ]);
      expect(warnings.map((w) => [w.msg, w.reason])).toEqual([
        ['dead-lettered a record and went on', 'undecodable'],
        ['dead-lettered a record and went on', 'failed'],
      ]);
    } finally {
      await tail.stop();
      await own.close();
    }
  });
});

describe('a tail while the schema registry is unreachable', () => {
  it('when the registry cannot be reached, then the tail waits for it and delivers the event once it is back, dead-lettering nothing', async () => {
    const own = await isolatedBackbone({ partitions: 1 });
    const topic = own.topics['messages.events'];
    const event = threadCreated();
    await own.publisher.publish(event);
    // A port nothing listens on yet: the tail's codec (no schema cached) reaches the registry through it.
    const port = await freePort();
    const registry = new URL(own.config.registry.url);
    const codec = new EventCodec(
      new RegistryClient({ url: `http://127.0.0.1:${port}${registry.pathname}` }),
      eventDefinitions(),
    );
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const delivered: string[] = [];
    const tail = await tailEvents(own.kafka, {
      topic,
      group: 'tributary.tail-test',
      codec,
      logger,
      deadLetters: { processor: 'tail-test' },
      onEvent: ({ event: tailed }) => {
        delivered.push(tailed.metadata.eventId);
      },
    });
    let proxy: Server | undefined;
    try {
      await eventually(() => expect(warnings.some((w) => w.includes('waiting to decode it'))).toBe(true));
      expect(delivered).toEqual([]);
      proxy = await forward(port, registry.hostname, Number(registry.port));
      await eventually(() => expect(delivered).toEqual([event.metadata.eventId]));
      expect(await readToEnd(own.kafka, `${topic}.dlq`, 'tributary.tail-test-dlq')).toEqual([]);
      expect(warnings).not.toContain('dead-lettered a record and went on');
    } finally {
      await tail.stop();
      proxy?.close();
      await own.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP relay on `port` to the real registry: the registry "coming back". */
async function forward(port: number, host: string, to: number): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = createConnection(to, host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('where a key is', () => {
  it("when an organization's notifications are published, then keyPartition names the partition they landed on", async () => {
    const own = await isolatedBackbone({ partitions: 6 });
    try {
      const organizations = Array.from({ length: 12 }, (_, n) => `org-${n}`);
      const positions = await own.publisher.publishBatch(
        organizations.map((organizationId) => ({
          type: 'NotificationIssued' as const,
          metadata: metadata(new Date(), { organizationId }),
          payload: {
            topic: 'log_error',
            sourceEventId: randomUUID(),
            sourceType: 'Test',
            filters: {},
            data: '{}',
            audience: [],
          },
        })),
      );
      expect(organizations.map((organizationId) => keyPartition(organizationId, 6))).toEqual(
        positions.map((p) => p.partition),
      );
    } finally {
      await own.close();
    }
  });
});
