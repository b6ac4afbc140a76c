import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { metadata } from '../test/support/events.ts';
import { LOGICAL_TYPES, SCHEMAS_DIR } from './avro.ts';
import { subjectOf } from './catalog.ts';
import { frame } from './wire.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
});
afterAll(() => backbone.close());

/** The notification schema as earlier versions registered it: a fixed enum of topics, accountId and threadId fields. */
function retiredNotificationType(): avro.Type {
  const registry: Record<string, avro.Type> = {};
  const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as avro.Schema;
  avro.Type.forSchema(json(`${SCHEMAS_DIR}/common/event-metadata.avsc`), { registry, logicalTypes: LOGICAL_TYPES });
  return avro.Type.forSchema(json(`${SCHEMAS_DIR}/../test/fixtures/notification-issued.realtime-v1.avsc`), {
    registry,
    logicalTypes: LOGICAL_TYPES,
  });
}

describe('records written under a retired schema', () => {
  it('when a notification written with the old realtime schema is read, then it comes out as the current NotificationIssued with its filters', async () => {
    const retired = retiredNotificationType();
    const topic = backbone.topics['realtime.notifications'];
    const id = await backbone.registry.register(
      subjectOf(topic, 'dev.tributary.realtime.NotificationIssued'),
      JSON.stringify(retired.schema({ exportAttrs: true })),
    );
    const meta = metadata(new Date('2026-11-20T08:00:00Z'));
    const old = {
      type: 'NotificationIssued',
      metadata: meta,
      payload: {
        topic: 'account_balanceupdated',
        sourceEventId: crypto.randomUUID(),
        sourceType: 'AccountBalanceUpdated',
        accountId: 'acc-7',
        threadId: null,
        data: '{"balanceMinor":5}',
      },
    };

    const read = await backbone.codec.decode(frame(id, retired.toBuffer(old)));

    expect(read).toEqual({
      type: 'NotificationIssued',
      metadata: meta,
      payload: {
        topic: 'account_balanceupdated',
        sourceEventId: old.payload.sourceEventId,
        sourceType: 'AccountBalanceUpdated',
        filters: { accountId: 'acc-7' },
        data: '{"balanceMinor":5}',
        // No audience then: the whole organization's.
        audience: [],
      },
    });
  });
});
