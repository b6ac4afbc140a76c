import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountBalanceUpdated, NotificationIssued, TributaryEvent } from '../../schemas/generated/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { messageSent, metadata, threadCreated } from '../../test/support/events.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { startProcessor } from '../runtime/runner.ts';
import { realtimeRelay } from './processor.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

async function notifications(
  count: number,
): Promise<{ partition: number; offset: string; event: NotificationIssued }[]> {
  const consumer = backbone.kafka.consumer({ groupId: uniqueName('notification-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: backbone.topics['realtime.notifications'], fromBeginning: true });
  const seen: { partition: number; offset: string; event: NotificationIssued }[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          seen.push({
            partition,
            offset: message.offset,
            event: (await backbone.codec.decode(message.value)) as NotificationIssued,
          });
          if (seen.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('the realtime relay', () => {
  it('when domain events flow, then the notifying ones become notifications keyed by organization, and a redelivery republishes the same ids', async () => {
    const balance: AccountBalanceUpdated = {
      type: 'AccountBalanceUpdated',
      metadata: metadata(),
      payload: { accountId: 'acc-9', balanceMinor: 500, availableBalanceMinor: 450, currency: 'EUR', asOf: new Date() },
    };
    const thread = threadCreated();
    const sent = messageSent(thread.payload.threadId, 'hello');
    const inputs: TributaryEvent[] = [balance, thread, sent];
    await backbone.publisher.publishBatch(inputs);

    const topics = [backbone.topics['transactions.cleansed'], backbone.topics['messages.events']];
    const relay = { ...realtimeRelay(backbone.publisher, realtimeTopicsOf(), topics), name: uniqueName('relay') };
    const deps = backbone.runtime();
    for (let round = 1; round <= 2; round += 1) {
      const runner = await startProcessor(relay, deps, { sessionTimeoutMs: 6000 });
      await runner.joined;
      const admin = backbone.kafka.admin();
      await admin.connect();
      const count = async () =>
        (await admin.fetchTopicOffsets(backbone.topics['realtime.notifications'])).reduce(
          (sum, p) => sum + Number(p.high),
          0,
        );
      await eventually(async () => expect(await count()).toBeGreaterThanOrEqual(2 * round));
      await runner.stop();
      await admin.resetOffsets({ groupId: `tributary.${relay.name}`, topic: topics[0]!, earliest: true });
      await admin.resetOffsets({ groupId: `tributary.${relay.name}`, topic: topics[1]!, earliest: true });
      await admin.disconnect();
    }

    const received = await notifications(4);
    const topicsSeen = received.map((r) => r.event.payload.topic).sort();
    expect(topicsSeen).toEqual(['account_balanceupdated', 'account_balanceupdated', 'message_sent', 'message_sent']);
    // One organization: one partition, so its notifications keep their order.
    expect(new Set(received.map((r) => r.partition)).size).toBe(1);
    const ids = received.map((r) => r.event.metadata.eventId);
    expect(new Set(ids).size).toBe(2);
    const fromBalance = received.find((r) => r.event.payload.sourceEventId === balance.metadata.eventId)!.event;
    expect(fromBalance.payload).toMatchObject({ filters: { accountId: 'acc-9' }, sourceType: 'AccountBalanceUpdated' });
    expect(JSON.parse(fromBalance.payload.data)).toMatchObject({
      accountId: 'acc-9',
      balanceMinor: 500,
      currency: 'EUR',
    });
  });
});
