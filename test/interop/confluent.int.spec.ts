import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonVenv } from '../../infra/stack/installers.ts';
import { StackLayout } from '../../infra/stack/layout.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { messageSent, threadCreated } from '../support/events.ts';
import { uniqueName } from '../support/platform.ts';

const run = promisify(execFile);
/** Pinned like moto: the Confluent client the interop promise is tested against. */
const CONFLUENT_PYTHON = 'confluent-kafka[avro,schemaregistry]==2.16.0';
const PEER = join(import.meta.dirname, 'confluent_peer.py');

let backbone: Backbone;
let python: string;
let topic: string;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  topic = backbone.topics['messages.events'];
  const bin = await pythonVenv(
    join(new StackLayout(backbone.config.stack.dir).tools, 'interop-venv'),
    CONFLUENT_PYTHON,
    'python',
  );
  python = join(bin, 'python');
}, 180_000);
afterAll(() => backbone.close());

/** Instants compared as epoch milliseconds: Python prints microseconds and an offset, JavaScript milliseconds. */
function comparable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v) ? new Date(v).getTime() : v,
  );
}

describe('interoperability with Confluent clients in other languages (Python confluent-kafka)', () => {
  it('when Tributary publishes, then the Confluent Avro deserializer reads the same events', async () => {
    const thread = threadCreated();
    const events: TributaryEvent[] = [
      thread,
      messageSent(thread.payload.threadId, 'héllo, wörld'),
      messageSent(thread.payload.threadId, 'second'),
    ];
    for (const event of events) await backbone.publisher.publish(event);

    const { stdout } = await run(
      python,
      [PEER, 'consume', backbone.config.kafka.brokers.join(','), backbone.config.registry.url, topic, '3'],
      { timeout: 55_000 },
    );
    const received = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; value: unknown });
    expect(received.map((r) => r.key)).toEqual(events.map(() => thread.payload.threadId));
    expect(received.map((r) => comparable(r.value))).toEqual(events.map(comparable));
  }, 90_000);

  it('when a Confluent producer publishes with the registered schema, then Tributary decodes it into a typed event', async () => {
    const event = threadCreated(undefined, 'from python');
    const file = join(mkdtempSync(join(tmpdir(), 'interop-')), 'event.json');
    writeFileSync(
      file,
      JSON.stringify({ recordName: 'dev.tributary.messages.ThreadCreated', key: event.payload.threadId, event }),
    );

    const consumer = backbone.kafka.consumer({ groupId: uniqueName('interop-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const decoded = new Promise<TributaryEvent>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const candidate = await backbone.codec.decode(message.value);
            if (candidate.metadata.eventId === event.metadata.eventId) resolve(candidate);
          },
        })
        .catch(reject);
    });

    await run(
      python,
      [PEER, 'produce', backbone.config.kafka.brokers.join(','), backbone.config.registry.url, topic, file],
      { timeout: 60_000 },
    );
    const received = await decoded;
    await consumer.disconnect();
    expect(received).toEqual(event);
    expect(received.metadata.occurredAt).toBeInstanceOf(Date);
  }, 90_000);
});
