import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { renewingProducer } from './renewing-producer.ts';

/** A kafkajs producer stand-in: its id, whether it is connected, and sends that fail while `failing`. */
function fakes() {
  const made: { id: number; connected: boolean; sent: string[]; failing: boolean }[] = [];
  const create = () => {
    const state = { id: made.length + 1, connected: false, sent: [] as string[], failing: false };
    made.push(state);
    return {
      connect: async () => void (state.connected = true),
      disconnect: async () => void (state.connected = false),
      send: async ({ topic }: { topic: string }) => {
        if (!state.connected) throw new Error('not connected');
        if (state.failing) throw new Error('Request timed out');
        state.sent.push(topic);
        return [];
      },
    } as unknown as Producer;
  };
  return { made, create };
}

describe('a renewing producer', () => {
  it('when a send fails, then the next send goes through a fresh producer (a new producer id), and the failed one is disconnected', async () => {
    const { made, create } = fakes();
    const producer = renewingProducer(create);
    await producer.connect();
    await producer.send({ topic: 'a', messages: [] });
    made[0]!.failing = true;
    await expect(producer.send({ topic: 'b', messages: [] })).rejects.toThrow('Request timed out');
    await producer.send({ topic: 'c', messages: [] });
    expect(made.map((m) => m.sent)).toEqual([['a'], ['c']]);
    expect(made.map((m) => m.connected)).toEqual([false, true]);
  });

  it('when sends succeed, then one producer carries them all', async () => {
    const { made, create } = fakes();
    const producer = renewingProducer(create);
    await producer.connect();
    for (const topic of ['a', 'b', 'c']) await producer.send({ topic, messages: [] });
    expect(made).toHaveLength(1);
    await producer.disconnect();
    expect(made[0]!.connected).toBe(false);
  });
});
