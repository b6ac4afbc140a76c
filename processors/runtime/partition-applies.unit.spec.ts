import { describe, expect, it } from 'vitest';
import { PartitionApplies } from './partition-applies.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('the applies handed off by a checkpointed processor', () => {
  it('when an apply is running, then its partition settles only once it ends, and another partition is not held', async () => {
    const applies = new PartitionApplies();
    const gate = deferred();
    applies.start(
      't/0',
      () => gate.promise,
      async () => undefined,
    );
    let settled = false;
    const waiting = applies.settled('t/0').then(() => (settled = true));
    await expect(applies.settled('t/1')).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(() =>
      applies.start(
        't/0',
        async () => undefined,
        async () => undefined,
      ),
    ).toThrow(/still running/);
    gate.resolve();
    await waiting;
    expect(settled).toBe(true);
  });

  it('when an apply fails, then its partition epoch ends, the failure handler runs, and the next batch takes what it returned once', async () => {
    const applies = new PartitionApplies();
    const before = applies.epochOf('t/0');
    const other = applies.epochOf('t/1');
    const seen: unknown[] = [];
    applies.start(
      't/0',
      async () => {
        throw new Error('connection refused');
      },
      async (error) => {
        seen.push(error);
        return new Error('raised later');
      },
    );
    await applies.settled('t/0');
    expect(seen).toHaveLength(1);
    expect(applies.epochOf('t/0')).not.toBe(before);
    expect(applies.epochOf('t/1')).toBe(other);
    expect((applies.take('t/0') as Error).message).toBe('raised later');
    expect(applies.take('t/0')).toBeUndefined();
  });

  it('when the failure handler returns nothing (a gap rewound, membership lost), then the next batch raises nothing', async () => {
    const applies = new PartitionApplies();
    applies.start(
      't/0',
      async () => {
        throw new Error('gap');
      },
      async () => undefined,
    );
    await applies.settled('t/0');
    expect(applies.take('t/0')).toBeUndefined();
  });

  it('when the group is joined again, then every partition epoch ends, including one that never applied', () => {
    const applies = new PartitionApplies();
    const before = [applies.epochOf('t/0'), applies.epochOf('t/7')];
    applies.endEveryEpoch();
    expect([applies.epochOf('t/0'), applies.epochOf('t/7')]).not.toContain(before[0]);
    expect(applies.epochOf('t/7')).not.toBe(before[1]);
  });

  it('when stopping, then drained waits for every running apply, whatever its outcome', async () => {
    const applies = new PartitionApplies();
    const first = deferred();
    const second = deferred();
    applies.start(
      't/0',
      () => first.promise,
      async () => undefined,
    );
    applies.start(
      't/1',
      () => second.promise,
      async () => undefined,
    );
    let drained = false;
    const draining = applies.drained().then(() => (drained = true));
    first.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    second.reject(new Error('failed'));
    await draining;
    expect(drained).toBe(true);
  });
});
