import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationFeed, FEED_PROCESSOR } from '../../api/realtime/feed.ts';
import { maxMessageBytesOf, TOPICS, type TopicName } from '../../infra/kafka/topics.ts';
import { listDeadLetters } from '../../processors/dead-letter-tools.ts';
import { realtimeRelay } from '../../processors/realtime-relay/processor.ts';
import { startProcessor, type RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import { liveProcessorName, qualified, type Projection } from '../../projections/projection.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import { unframe } from '../../schemas/wire.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { poisonsFor, type Poison } from '../support/bad-input/poison.ts';
import { eventually } from '../support/eventually.ts';
import { untilCaughtUp } from '../support/kafka-caught-up.ts';
import { quietLogger, uniqueName } from '../support/platform.ts';
import { GOOD_EVENTS } from '../support/bad-input/good-events.ts';
import { isolatedSlices } from '../support/slices.ts';

/** The organization whose good events go before and after the poison. */
const GOOD = uniqueName('org-good');

let backbone: Backbone;
let feed: NotificationFeed;
let projections: Projection[];
const running: RunningProcessor[] = [];
/** Each catalog topic's consumers, by processor name. */
const consumers = new Map<TopicName, string[]>();
const feedSaw = new Set<string>();

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  projections = isolatedSlices(backbone).flatMap((slice) => Object.values(slice.projections));
  const relay = {
    ...realtimeRelay(
      backbone.publisher,
      realtimeTopicsOf(),
      [...new Set(realtimeTopicsOf().sourceTypes.map((type) => EVENT_ROUTES[type].topic))].map(
        (topic) => backbone.topics[topic],
      ),
    ),
    name: uniqueName('relay'),
  };
  feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    100,
    quietLogger(),
  );
  feed.subscribe((item) => feedSaw.add(item.notification.metadata.eventId));
  const options = { sessionTimeoutMs: 6000 };
  running.push(
    ...(await Promise.all([
      ...projections.map((projection) => startProjection(projection, backbone.runtime(), options)),
      startProcessor(relay, backbone.runtime(), options),
    ])),
  );
  await feed.start();
  for (const topic of TOPICS.map((t) => t.name as TopicName)) {
    const own = backbone.topics[topic];
    consumers.set(topic, [
      ...projections.filter((p) => p.topics.includes(own)).map((p) => liveProcessorName(p)),
      ...(relay.topics.includes(own) ? [relay.name] : []),
      ...(topic === 'realtime.notifications' ? [FEED_PROCESSOR] : []),
    ]);
  }
}, 120_000);
afterAll(async () => {
  await feed?.stop();
  await Promise.all(running.map((processor) => processor.stop()));
  await backbone?.close();
});

describe('poison records on every topic of the catalogue', () => {
  it('when a raw producer writes malformed, unknown-schema and near-limit records between good events, then each consumer dead-letters each with its reason and applies the good ones; a record over the limit is refused by the broker', async () => {
    const producer = backbone.kafka.producer();
    await producer.connect();
    const sent: { topic: TopicName; poison: Poison; offset: string }[] = [];
    const good: { topic: TopicName; offset: string; eventId: string }[] = [];
    try {
      for (const declaration of TOPICS) {
        const topic = declaration.name as TopicName;
        const own = backbone.topics[topic];
        const before = GOOD_EVENTS[topic](GOOD);
        const { value, definition } = await backbone.codec.encode(before);
        const { schemaId, body } = unframe(value);
        const relabelled = definition.schema.type.toBuffer({ ...before, type: 'Exploded' });
        const poisons = poisonsFor(schemaId, body, relabelled, definition.schema.name, maxMessageBytesOf(declaration));
        good.push({
          topic,
          eventId: before.metadata.eventId,
          offset: (await backbone.publisher.publish(before)).offset,
        });
        for (const poison of poisons) {
          const [written] = await producer.send({
            topic: own,
            acks: -1,
            messages: [{ key: poison.key, value: poison.value }],
          });
          sent.push({ topic, poison, offset: written!.baseOffset! });
        }
        await expect(
          producer.send({
            topic: own,
            acks: -1,
            messages: [{ key: 'poison-too-large', value: Buffer.alloc(maxMessageBytesOf(declaration) + 1024) }],
          }),
        ).rejects.toThrow(/larger than the max message size the server will accept/);
        const after = GOOD_EVENTS[topic](GOOD);
        good.push({ topic, eventId: after.metadata.eventId, offset: (await backbone.publisher.publish(after)).offset });
      }
    } finally {
      await producer.disconnect();
    }

    for (const declaration of TOPICS) {
      const topic = declaration.name as TopicName;
      const expected = consumers.get(topic)!;
      expect(expected.length, `${topic} has a consumer`).toBeGreaterThan(0);
      const letters = await eventually(
        async () => {
          const all = await listDeadLetters(backbone.kafka, backbone.topics[topic]);
          for (const processor of expected)
            expect(
              all.filter((letter) => letter.processor === processor).length,
              `${topic} ${processor}`,
            ).toBeGreaterThanOrEqual(sent.filter((s) => s.topic === topic).length);
          return all;
        },
        // Generous: under a loaded machine (npm test beside other suites) consumers fall behind.
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      for (const { poison, offset } of sent.filter((s) => s.topic === topic))
        for (const processor of expected) {
          const letter = letters.find((l) => l.processor === processor && l.sourceOffset === offset);
          expect(letter, `${topic}@${offset} (${poison.name}) by ${processor}`).toBeDefined();
          expect(letter!.reason, `${topic} ${poison.name}`).toBe('undecodable');
          expect(letter!.error, `${topic} ${poison.name}`).toMatch(poison.error);
        }
      // The good events were not dead-lettered: nothing of them is lost.
      const goodOffsets = good.filter((g) => g.topic === topic).map((g) => g.offset);
      expect(
        letters
          .filter((letter) => goodOffsets.includes(letter.sourceOffset))
          .map(({ processor, reason, error, attempts }) => ({ processor, reason, error, attempts })),
        topic,
      ).toEqual([]);
      for (const processor of expected)
        expect(letters.filter((letter) => letter.processor === processor).length, `${topic} ${processor}`).toBe(
          sent.filter((s) => s.topic === topic).length,
        );
    }

    for (const projection of projections)
      for (const topic of projection.topics)
        await untilCaughtUp(backbone, liveProcessorName(projection), topic, { timeoutMs: 60_000 });
    const counts = projections.find((p) => p.tables.includes('event_counts'));
    const rows = await eventually(async () => {
      const { rows } = await backbone.pool.query<{ event_type: string; events: string }>(
        `select event_type, events from ${qualified(counts!, 'event_counts')} where organization_id = $1`,
        [GOOD],
      );
      expect(rows.length).toBe(TOPICS.length - 1);
      return rows;
    });
    expect(rows.every((row) => Number(row.events) === 2)).toBe(true);
    const notifications = good.filter((g) => g.topic === 'realtime.notifications').map((g) => g.eventId);
    await eventually(() => expect(notifications.filter((id) => !feedSaw.has(id))).toEqual([]));
  }, 180_000);
});
