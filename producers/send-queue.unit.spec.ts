import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from './pack-requests.ts';
import { SendQueue, type Acknowledged, type SendRequest } from './send-queue.ts';

const record = (partition: number, eventId: string, valueBytes = 10): OutgoingRecord => ({
  topic: 'orders',
  partition,
  message: { key: 'k', value: Buffer.alloc(valueBytes), headers: { 'tributary.event-id': eventId } },
});

/**
 * A stand-in for the broker (only the produce call, so the queue's coalescing can be seen; the
 * publisher's integration tests use the real one). Each request waits until the test answers it.
 */
function broker() {
  const offsets = new Map<number, bigint>();
  const requests: { eventIds: string[]; answer: () => void; refuse: (error: Error) => void }[] = [];
  let arrived: () => void = () => undefined;
  const send: SendRequest = (topicMessages) =>
    new Promise<Acknowledged[]>((resolve, reject) => {
      const messages = topicMessages.flatMap((t) => t.messages);
      requests.push({
        eventIds: messages.map((m) => m.headers['tributary.event-id']!),
        answer: () => {
          const acknowledged = [...new Set(messages.map((m) => m.partition))].map((partition) => {
            const base = offsets.get(partition) ?? 0n;
            offsets.set(partition, base + BigInt(messages.filter((m) => m.partition === partition).length));
            return { topicName: 'orders', partition, baseOffset: base.toString() };
          });
          resolve(acknowledged);
        },
        refuse: reject,
      });
      arrived();
    });
  return {
    send,
    requests,
    /** Resolves once the n-th request (counting from 1) has been sent. */
    async request(n: number) {
      while (requests.length < n) await new Promise<void>((resolve) => (arrived = resolve));
      return requests[n - 1]!;
    },
  };
}

const offsets = (positions: { partition: number; offset: string }[]) =>
  positions.map((p) => `${p.partition}:${p.offset}`);

describe('SendQueue', () => {
  it('when two callers publish while the queue is idle, then one request carries both, and each gets the exact positions of its own records', async () => {
    const kafka = broker();
    const queue = new SendQueue({ lingerMs: 1, maxBatchEvents: 500, maxBatchBytes: () => 1_048_576, send: kafka.send });
    const a = queue.enqueue([record(0, 'a1'), record(0, 'a2')]);
    const b = queue.enqueue([record(1, 'b1'), record(0, 'b2')]);
    (await kafka.request(1)).answer();
    expect(offsets(await a)).toEqual(['0:0', '0:1']);
    expect(offsets(await b)).toEqual(['1:0', '0:2']);
    expect(kafka.requests.map((r) => r.eventIds)).toEqual([['a1', 'a2', 'b1', 'b2']]);
  });

  it('when batches arrive while a request is in flight, then they wait and go together in the next one', async () => {
    const kafka = broker();
    const queue = new SendQueue({ lingerMs: 1, maxBatchEvents: 500, maxBatchBytes: () => 1_048_576, send: kafka.send });
    const a = queue.enqueue([record(0, 'a')]);
    const first = await kafka.request(1);
    const b = queue.enqueue([record(0, 'b')]);
    const c = queue.enqueue([record(0, 'c')]);
    first.answer();
    (await kafka.request(2)).answer();
    expect([...offsets(await a), ...offsets(await b), ...offsets(await c)]).toEqual(['0:0', '0:1', '0:2']);
    expect(kafka.requests.map((r) => r.eventIds)).toEqual([['a'], ['b', 'c']]);
  });

  it('when maxBatchEvents records wait, then their request goes without lingering', async () => {
    const kafka = broker();
    const queue = new SendQueue({
      lingerMs: 600_000,
      maxBatchEvents: 3,
      maxBatchBytes: () => 1_048_576,
      send: kafka.send,
    });
    const sent = queue.enqueue([record(0, 'a'), record(0, 'b'), record(1, 'c')]);
    (await kafka.request(1)).answer();
    expect(offsets(await sent)).toEqual(['0:0', '0:1', '1:0']);
  });

  it('when a request fails, then the callers in it fail with its error and callers in other requests get their positions', async () => {
    const kafka = broker();
    const queue = new SendQueue({ lingerMs: 1, maxBatchEvents: 500, maxBatchBytes: () => 1_048_576, send: kafka.send });
    const a = queue.enqueue([record(0, 'a')]);
    const first = await kafka.request(1);
    const b = queue.enqueue([record(0, 'b')]);
    first.refuse(new Error('NOT_ENOUGH_REPLICAS'));
    (await kafka.request(2)).answer();
    await expect(a).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(offsets(await b)).toEqual(['0:0']);
  });

  it("when a caller's batch is spread over requests and one fails, then the caller fails and nothing more of it is sent, while a caller sharing the first request succeeds", async () => {
    const kafka = broker();
    // Each record is about 1,000 bytes: two of a partition fit one request, three do not.
    const queue = new SendQueue({ lingerMs: 1, maxBatchEvents: 500, maxBatchBytes: () => 2_200, send: kafka.send });
    const small = queue.enqueue([record(1, 's', 1000)]);
    const big = queue.enqueue([1, 2, 3, 4, 5].map((n) => record(0, `big${n}`, 1000)));
    (await kafka.request(1)).answer();
    (await kafka.request(2)).answer();
    (await kafka.request(3)).refuse(new Error('broker gone'));
    await expect(big).rejects.toThrow('broker gone');
    expect(offsets(await small)).toEqual(['1:0']);
    await queue.drain();
    expect(kafka.requests.map((r) => r.eventIds)).toEqual([['s'], ['big1', 'big2'], ['big3', 'big4']]);
  });

  it('when the queue is drained, then everything waiting is sent first', async () => {
    const kafka = broker();
    const queue = new SendQueue({
      lingerMs: 600_000,
      maxBatchEvents: 500,
      maxBatchBytes: () => 1_048_576,
      send: kafka.send,
    });
    const waiting = queue.enqueue([record(0, 'late')]);
    const drained = queue.drain();
    (await kafka.request(1)).answer();
    await drained;
    expect(offsets(await waiting)).toEqual(['0:0']);
  });
});
