import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PushSettings } from '../../infra/config/shape.ts';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { conversation } from '../../test/support/messaging-events.ts';
import { PushReceiver } from '../../test/support/messaging-push.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { listDeadLetters } from '../dead-letter-tools.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { groupIdOf } from '../runtime/processor.ts';
import { startProcessor, type RunningProcessor } from '../runtime/runner.ts';
import { pushProcessor } from './push-processor.ts';

let backbone: Backbone;
let receiver: PushReceiver;
let settings: PushSettings;
let running: RunningProcessor | undefined;
let name: string;

beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  receiver = new PushReceiver();
  settings = {
    enabled: true,
    url: await receiver.start(),
    credentials: { username: 'tributary', password: 'push-secret' },
    events: ['MessageSent', 'ThreadCreated', 'ParticipantAdded'],
    attempts: 3,
    timeoutMs: 2000,
  };
  // A consumer group of the test's own: under the real name it would join `npm start`'s.
  name = uniqueName('push');
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await receiver.stop();
  await backbone.close();
});

async function startPush() {
  const processor = pushProcessor(settings, {
    name,
    topics: [backbone.topics['messages.events']],
    backoff: { initialDelayMs: 50, maxDelayMs: 200 },
  });
  running = await startProcessor(processor, backbone.runtime(), { sessionTimeoutMs: 6000 });
  return processor;
}

/** A thread alice opens with bob and carol, her message to both, and bob's reply, as the routes record them. */
function threeEvents() {
  const c = conversation();
  const created = c.created('alice', ['bob', 'carol']);
  const first = c.sent('alice', 'The numbers are in');
  const reply = c.sent('bob', 'Thanks', first.payload.messageId);
  const message = { ...first, payload: { ...first.payload, recipients: ['bob', 'carol'] } };
  const answer = { ...reply, payload: { ...reply.payload, recipients: ['alice', 'carol'] } };
  const key = (event: { metadata: { eventId: string } }, recipient: string) =>
    derivedEventId(event.metadata.eventId, `push/${recipient}`);
  return {
    events: [created, message, answer],
    keys: [
      key(created, 'bob'),
      key(created, 'carol'),
      key(message, 'bob'),
      key(message, 'carol'),
      key(answer, 'alice'),
      key(answer, 'carol'),
    ],
  };
}

describe('push notifications to the notification service', () => {
  it('when the service fails a call once, then the retry notifies every participant but the actor exactly once, under the same keys', async () => {
    receiver.answer = (call, previous) => (call.body.recipient === 'carol' && previous.length === 0 ? 503 : 200);
    const { events, keys } = threeEvents();
    await backbone.publisher.publishBatch(events);

    await startPush();

    await eventually(() => expect([...receiver.notified.keys()].sort()).toEqual([...keys].sort()));
    const answered = receiver.calls.filter((call) => call.status === 200);
    expect(answered.map((call) => call.key).sort()).toEqual([...keys].sort());
    const refusedOnce = receiver.calls.filter((call) => call.status === 503);
    for (const refused of refusedOnce) {
      const retried = answered.find((call) => call.key === refused.key)!;
      expect(retried.body).toEqual(refused.body);
    }
    expect(refusedOnce.length).toBeGreaterThanOrEqual(1);
    for (const call of receiver.calls) {
      expect(call.key).toBe(call.body.idempotencyKey);
      expect(call.authorization).toBe(`Basic ${Buffer.from('tributary:push-secret').toString('base64')}`);
    }
    expect(receiver.callsFor('alice').map((call) => call.body.event)).toEqual(['MessageSent']);
  });

  it('when the processor reads the same events again, then every call repeats its key and nobody is notified twice', async () => {
    const { events, keys } = threeEvents();
    await backbone.publisher.publishBatch(events);
    let processor = await startPush();
    await eventually(() => expect(receiver.calls).toHaveLength(keys.length));
    await running!.stop();
    await withKafkaAdmin(backbone.kafka, (admin) =>
      admin.rewindGroup(groupIdOf(processor), backbone.topics['messages.events']),
    );

    processor = await startPush();

    await eventually(() => expect(receiver.calls).toHaveLength(2 * keys.length));
    const firstRound = receiver.calls.slice(0, keys.length).map((call) => call.key);
    expect(receiver.calls.slice(keys.length).map((call) => call.key)).toEqual(firstRound);
    expect([...receiver.notified.values()]).toEqual(keys.map(() => 1));
  });

  it('when the service keeps failing or refuses a call, then the event goes to the dead letters after the bounded tries, or at once, and other threads go on', async () => {
    receiver.answer = (call) => (call.body.recipient === 'dave' ? 500 : call.body.recipient === 'frank' ? 400 : 200);
    const failing = conversation();
    const refused = conversation();
    const healthy = conversation();
    const toDave = failing.sent('alice', 'for dave');
    const toFrank = refused.sent('alice', 'for frank');
    const toErin = healthy.sent('alice', 'for erin');
    await backbone.publisher.publishBatch([
      { ...toDave, payload: { ...toDave.payload, recipients: ['dave'] } },
      { ...toFrank, payload: { ...toFrank.payload, recipients: ['frank'] } },
      { ...toErin, payload: { ...toErin.payload, recipients: ['erin'] } },
    ]);

    await startPush();

    const letters = await eventually(async () => {
      const all = await listDeadLetters(backbone.kafka, backbone.topics['messages.events'], backbone.pool);
      expect(all.map((letter) => letter.eventId).sort()).toEqual(
        [toDave.metadata.eventId, toFrank.metadata.eventId].sort(),
      );
      return all;
    });
    const byEvent = new Map(letters.map((letter) => [letter.eventId, letter]));
    expect(byEvent.get(toDave.metadata.eventId)).toMatchObject({ processor: name, reason: 'failed', attempts: 3 });
    expect(byEvent.get(toDave.metadata.eventId)!.error).toContain('HTTP 500');
    expect(byEvent.get(toFrank.metadata.eventId)).toMatchObject({ processor: name, reason: 'failed', attempts: 1 });
    expect(new Set(receiver.callsFor('dave').map((call) => call.key)).size).toBe(1);
    expect(receiver.callsFor('dave').length).toBeGreaterThanOrEqual(3);
    await eventually(() => expect(receiver.callsFor('erin').map((call) => call.status)).toEqual([200]));
  });
});
