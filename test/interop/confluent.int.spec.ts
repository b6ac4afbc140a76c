import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonVenv } from '../../infra/stack/installers.ts';
import { StackLayout } from '../../infra/stack/layout.ts';
import type { MemberEnrolled, TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { messageSent, metadata, threadCreated } from '../support/events.ts';
import { uniqueName } from '../support/platform.ts';

const run = promisify(execFile);
/** Pinned like moto: the Confluent client the interop promise is tested against. */
const CONFLUENT_PYTHON = 'confluent-kafka[avro,schemaregistry]==2.16.0';
const PEER = join(import.meta.dirname, 'confluent_peer.py');
const THREAD_CREATED = 'dev.tributary.messages.ThreadCreated';
const MEMBER_ENROLLED = 'dev.tributary.groups.MemberEnrolled';

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

interface PeerRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the Python peer; a non-zero exit is a result (the tests expect some), a hang is an error. */
async function peer(...args: string[]): Promise<PeerRun> {
  try {
    const { stdout, stderr } = await run(python, [PEER, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error; // not started, or killed by the timeout
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const brokers = () => backbone.config.kafka.brokers.join(',');
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The request the peer's produce mode reads: the event and the record (schema) it is written as. */
function eventFile(recordName: string, key: string, event: TributaryEvent): string {
  const file = join(mkdtempSync(join(tmpdir(), 'interop-')), 'event.json');
  writeFileSync(file, JSON.stringify({ recordName, key, event }));
  return file;
}

/** The subject's versions as the registry's Confluent API lists them, or 'absent'. */
async function versions(subject: string): Promise<number[] | 'absent'> {
  const { url, auth } = backbone.config.registry;
  const response = await fetch(`${url}/subjects/${encodeURIComponent(subject)}/versions`, {
    headers: auth
      ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
      : {},
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status === 404) return 'absent';
  if (!response.ok) throw new Error(`GET versions of ${subject}: ${response.status} ${await response.text()}`);
  return (await response.json()) as number[];
}

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

    const { stdout } = await run(python, [PEER, 'consume', brokers(), backbone.config.registry.url, topic, '3'], {
      timeout: 55_000,
    });
    const received = lines(stdout) as { key: string; value: unknown }[];
    expect(received.map((r) => r.key)).toEqual(events.map(() => thread.payload.threadId));
    expect(received.map((r) => comparable(r.value))).toEqual(events.map(comparable));
  }, 90_000);

  it('subject: with the default topic_subject_name_strategy a Confluent producer fails, <topic>-value not found; with topic_record_subject_name_strategy Tributary decodes its event', async () => {
    const event = threadCreated(undefined, 'from python');
    const file = eventFile(THREAD_CREATED, event.payload.threadId, event);
    const settings = ['--auto-register', 'false', '--use-latest-version', 'true'];

    // The Confluent default: one subject per topic. Tributary registers none such (several event types share a topic).
    const wrong = await peer(
      'produce',
      brokers(),
      backbone.config.registry.url,
      topic,
      file,
      ...settings,
      '--subject-strategy',
      'topic',
    );
    expect(wrong.code, wrong.stdout).toBe(1);
    expect(wrong.stderr).toContain(`produce failed: Subject '${topic}-value' not found.`);
    expect(wrong.stderr).toContain('SR code 40401');
    expect(await versions(`${topic}-value`)).toBe('absent');

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

    const right = await peer(
      'produce',
      brokers(),
      backbone.config.registry.url,
      topic,
      file,
      ...settings,
      '--subject-strategy',
      'topic_record',
    );
    expect(right.code, right.stderr).toBe(0);
    expect(lines(right.stdout)[0]).toMatchObject({ subject: `${topic}-${THREAD_CREATED}` });
    const received = await decoded;
    await consumer.disconnect();
    expect(received).toEqual(event);
    expect(received.metadata.occurredAt).toBeInstanceOf(Date);
  }, 120_000);

  it('auto.register.schemas=false: a producer whose schema is not the registered one fails and the subject keeps its versions; with true (the default) it silently registers a new version', async () => {
    const groups = backbone.topics['groups.events'];
    const subject = `${groups}-${MEMBER_ENROLLED}`;
    const event: MemberEnrolled = {
      type: 'MemberEnrolled',
      metadata: metadata(),
      payload: { memberId: uniqueName('member'), enrolledVia: randomUUID() },
    };
    const file = eventFile(MEMBER_ENROLLED, event.payload.memberId, event);
    // The registered schema plus an optional field: backward compatible, so a registry accepts it as a new version.
    // use.latest.version=false makes the serializer write with (and so look up) the producer's own schema.
    const producer = (autoRegister: boolean) =>
      peer(
        'produce',
        brokers(),
        backbone.config.registry.url,
        groups,
        file,
        '--extra-field',
        'note',
        '--use-latest-version',
        'false',
        '--auto-register',
        String(autoRegister),
      );
    const before = await versions(subject);
    expect(before).toEqual([1]);

    const refused = await producer(false);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toContain(
      `produce failed: The given schema does not match any schema under the subject ${subject}`,
    );
    expect(refused.stderr).toContain('SR code 40403');
    expect(await versions(subject)).toEqual(before);

    const registered = await producer(true);
    expect(registered.code, registered.stderr).toBe(0);
    expect(await versions(subject)).toEqual([1, 2]);
  }, 120_000);

  describe('partitioner', () => {
    let partitioned: Backbone;
    beforeAll(async () => {
      partitioned = await isolatedBackbone({ partitions: 6 });
    }, 180_000);
    afterAll(() => partitioned.close());

    /** Fixed keys, so what the default partitioner does with them is the same on every run. */
    const keys = Array.from(
      { length: 12 },
      (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}` as ReturnType<typeof randomUUID>,
    );

    it("partitioner=murmur2_random puts 12 keys on the partitions Tributary's publisher picks; librdkafka's default (consistent_random) puts 9 of them elsewhere", async () => {
      const messages = partitioned.topics['messages.events'];
      const positions = await partitioned.publisher.publishBatch(keys.map((key) => threadCreated(key)));
      const ours = Object.fromEntries(keys.map((key, i) => [key, positions[i]!.partition]));
      expect(new Set(Object.values(ours)).size, 'the keys spread over several partitions').toBeGreaterThan(1);

      const librdkafka = async (partitioner: string) => {
        const probe = await peer(
          'partitions',
          partitioned.config.kafka.brokers.join(','),
          messages,
          partitioner,
          ...keys,
        );
        expect(probe.code, probe.stderr).toBe(0);
        return Object.fromEntries(lines(probe.stdout).map((l) => [l.key as string, l.partition as number]));
      };
      expect(await librdkafka('murmur2_random')).toEqual(ours);

      const byDefault = await librdkafka('default');
      const elsewhere = keys.filter((key) => byDefault[key] !== ours[key]);
      // For these 12 keys on 6 partitions 9 differ (the issue saw 10 of 12): CRC32 and murmur2 agree only by chance.
      expect(elsewhere.length).toBeGreaterThanOrEqual(1);
    }, 120_000);
  });
});
