import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, headerText } from '../../processors/runtime/dead-letters.ts';
import { readToEnd } from '../../processors/runtime/read-to-end.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { connect, notification, notificationsOf, RealtimeInstances, token } from './realtime.spec-support.ts';

let backbone: Backbone;
let instances: RealtimeInstances;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  instances = new RealtimeInstances(backbone);
});
afterAll(async () => {
  await instances?.close();
  await backbone?.close();
});

describe('the notification feed', () => {
  it('when a record cannot be decoded, or a notification carries data that is not JSON, then each is dead-lettered and logged, and the next notification is still delivered', async () => {
    const topic = backbone.topics['realtime.notifications'];
    const organizationId = 'org-poison';
    const warnings: { msg: string; reason?: string; offset?: string }[] = [];
    const feedLogger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const { url } = await instances.start({ feedLogger });
    const client = await connect(url, ['tributary.v1', `bearer.${await token(backbone, { organizationId })}`]);
    client.send({ type: 'subscribe', topics: ['log_error'] });
    await client.waitFor((m) => m.some((x) => x.type === 'subscribed'));

    const producer = backbone.kafka.producer();
    await producer.connect();
    const [garbage] = await producer.send({
      topic,
      messages: [{ key: organizationId, value: Buffer.from('not a notification') }],
    });
    await producer.disconnect();
    const notJson = notification('log_error', { organizationId });
    const good = notification('log_error', { organizationId, data: { n: 3 } });
    const [badData] = await backbone.publisher.publishBatch([
      { ...notJson, payload: { ...notJson.payload, data: '{"n": ' } },
    ]);
    await backbone.publisher.publish(good);

    await client.waitFor((m) => m.some((x) => x.id === good.metadata.eventId));
    await client.roundTrip();
    expect(notificationsOf(client).map((m) => m.id)).toEqual([good.metadata.eventId]);

    const expected = [
      { offset: garbage!.baseOffset!, reason: 'undecodable' },
      { offset: badData!.offset, reason: 'failed' },
    ];
    const letters = await eventually(async () => {
      const read = await readToEnd(backbone.kafka, `${topic}.dlq`, 'tributary.feed-test');
      expect(read).toHaveLength(2);
      return read;
    });
    expect(
      letters.map((letter) => ({
        offset: headerText(letter.headers, DLQ_HEADERS.sourceOffset),
        reason: headerText(letter.headers, DLQ_HEADERS.reason),
        processor: headerText(letter.headers, DLQ_HEADERS.processor),
      })),
    ).toEqual(expected.map((e) => ({ ...e, processor: 'realtime-feed' })));
    expect(letters[0]!.value?.toString()).toBe('not a notification');
    expect(warnings.filter((w) => w.msg === 'dead-lettered a record and went on').map((w) => w.reason)).toEqual([
      'undecodable',
      'failed',
    ]);
    client.socket.close();
  });

  it('when a client subscribed live is dropped before its first notification, then resuming from the position of its subscribed frame delivers what came meanwhile', async () => {
    const organizationId = 'org-first-drop';
    const { url } = await instances.start();
    const protocols = ['tributary.v1', `bearer.${await token(backbone, { organizationId })}`];
    const first = await connect(url, protocols);
    first.send({ type: 'subscribe', topics: ['log_error'] });
    await first.waitFor((m) => m.some((x) => x.type === 'subscribed'));
    const subscribed = first.received.find((x) => x.type === 'subscribed')!;
    expect(subscribed.position).toMatch(/^0-(-1|\d+)$/);
    first.socket.terminate();

    const missed = notification('log_error', { organizationId, data: { n: 1 } });
    await backbone.publisher.publish(missed);
    const resuming = await connect(url, protocols);
    resuming.send({ type: 'subscribe', topics: ['log_error'], resumeFrom: String(subscribed.position) });
    await resuming.waitFor((m) => m.some((x) => x.id === missed.metadata.eventId));
    await resuming.roundTrip();
    expect(notificationsOf(resuming).map((m) => m.id)).toEqual([missed.metadata.eventId]);
    resuming.socket.close();
  });

  it('when the relay publishes a notification again under the same id, then a live client and a resuming one get it once', async () => {
    const organizationId = 'org-repeat';
    const { url } = await instances.start();
    const protocols = ['tributary.v1', `bearer.${await token(backbone, { organizationId })}`];
    const live = await connect(url, protocols);
    live.send({ type: 'subscribe', topics: ['log_error'] });
    await live.waitFor((m) => m.some((x) => x.type === 'subscribed'));

    const first = notification('log_error', { organizationId, data: { n: 1 } });
    const last = notification('log_error', { organizationId, data: { n: 2 } });
    const [firstAt] = await backbone.publisher.publishBatch([first]);
    await backbone.publisher.publishBatch([first, last]);
    await live.waitFor((m) => m.some((x) => x.id === last.metadata.eventId));
    await live.roundTrip();
    expect(notificationsOf(live).map((m) => m.id)).toEqual([first.metadata.eventId, last.metadata.eventId]);

    const resuming = await connect(url, protocols);
    resuming.send({ type: 'subscribe', topics: ['log_error'], resumeFrom: `${firstAt!.partition}-${firstAt!.offset}` });
    await resuming.waitFor((m) => m.some((x) => x.id === last.metadata.eventId));
    await resuming.roundTrip();
    expect(notificationsOf(resuming).map((m) => m.id)).toEqual([last.metadata.eventId]);
    live.socket.close();
    resuming.socket.close();
  });
});
