import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { tailEvents, type TailedEvent } from './tail.ts';

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
});
