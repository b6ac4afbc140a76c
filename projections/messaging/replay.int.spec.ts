import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoints } from '../../processors/runtime/store.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { conversation } from '../../test/support/messaging-events.ts';
import { isolatedProjection } from '../../test/support/projection-scenario.ts';
import { startProjection } from '../live.ts';
import { liveProcessorName } from '../projection.ts';
import { replay } from '../replay.ts';
import { messaging } from './projection.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * Conversations with every kind of event, the odd ones included (reads of messages that do not
 * exist, leaves of people not in the thread, joins of people already in), as a busy
 * organization makes them.
 */
function busyOrganization(threads: number, eventsPerThread: number): TributaryEvent[][] {
  const next = random(20261122);
  const people = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  return Array.from({ length: threads }, () => {
    const c = conversation();
    const sent: string[] = [];
    const events: TributaryEvent[] = [c.created('alice', ['bob', 'carol'])];
    for (let i = 0; i < eventsPerThread; i += 1) {
      const who = pick(people);
      const roll = next();
      if (roll < 0.45) {
        const message = c.sent(who, `message ${i}`, sent.length > 0 && next() < 0.3 ? pick(sent) : null);
        sent.push(message.payload.messageId);
        events.push(message);
      } else if (roll < 0.65)
        events.push(c.read(who, sent.length > 0 && next() < 0.9 ? pick(sent) : crypto.randomUUID()));
      else if (roll < 0.75) events.push(c.added(who, 'alice'));
      else if (roll < 0.85) events.push(c.removed(who, who));
      else if (roll < 0.93) events.push(c.archived(next() < 0.2 ? null : who, who));
      else events.push(c.unarchived(who));
    }
    return events;
  });
}

describe('replaying the messaging projection', () => {
  it('when the live projection took the events in small batches and a rebuild takes them at once, then the tables are identical', async () => {
    const projection = isolatedProjection(messaging, backbone);
    const conversations = busyOrganization(6, 60);
    const live = await startProjection(projection, backbone.runtime(), { sessionTimeoutMs: 6000 });
    let written: { topic: string; partition: number; offset: string }[] = [];
    try {
      // A few events at a time, interleaving the threads, while the live projection consumes.
      for (let i = 0; i < 61; i += 1) {
        const step = conversations.flatMap((events) => events.slice(i, i + 1));
        if (step.length > 0) written = [...written, ...(await backbone.publisher.publishBatch(step))];
      }
      await eventually(
        async () => {
          const stored = await checkpoints(backbone.pool, liveProcessorName(projection));
          for (const position of written) {
            const at = stored.find((c) => c.partition === position.partition);
            expect(at?.nextOffset ?? 0n).toBeGreaterThan(BigInt(position.offset));
          }
        },
        { timeoutMs: 45_000 },
      );
    } finally {
      await live.stop();
    }

    const result = await replay(projection, backbone.runtime(), { dryRun: true, pollMs: 100, sessionTimeoutMs: 6000 });

    expect(result.differences?.map((d) => [d.table, d.onlyLive, d.onlyRebuilt])).toEqual([
      ['threads', 0, 0],
      ['membership_changes', 0, 0],
      ['messages', 0, 0],
      ['participants', 0, 0],
    ]);
    const participants = result.differences!.find((d) => d.table === 'participants')!;
    expect(participants.liveRows).toBeGreaterThan(6 * 3);
  });
});
