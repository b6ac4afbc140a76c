import { describe, expect, it } from 'vitest';
import { quietLogger } from '../../test/support/platform.ts';
import { createRewind } from './checkpoint-gap.ts';

function harness(earliest: bigint) {
  const seeks: string[] = [];
  const moves: bigint[] = [];
  const rewind = createRewind({
    earliestOffset: async () => earliest,
    moveCheckpoint: async (_topic, _partition, next) => {
      moves.push(next);
    },
    seek: (_topic, _partition, offset) => seeks.push(offset),
  });
  return { rewind, seeks, moves };
}

describe('rewinding a partition to its checkpoint', () => {
  it('when the same gap is met twice and Kafka still keeps the records, then it rewinds both times and never moves the checkpoint', async () => {
    const { rewind, seeks, moves } = harness(0n);
    await rewind('t', 2, 453n, quietLogger());
    await rewind('t', 2, 453n, quietLogger());
    expect(seeks).toEqual(['453', '453']);
    expect(moves).toEqual([]);
  });

  it('when retention deleted the records past the checkpoint, then the checkpoint moves up to the first record kept and the partition goes on from it', async () => {
    const { rewind, seeks, moves } = harness(600n);
    await rewind('t', 2, 453n, quietLogger());
    expect(moves).toEqual([600n]);
    expect(seeks).toEqual(['600']);
  });

  it('when Kafka keeps exactly the checkpoint, then it rewinds to it', async () => {
    const { rewind, seeks, moves } = harness(453n);
    await rewind('t', 2, 453n, quietLogger());
    expect(seeks).toEqual(['453']);
    expect(moves).toEqual([]);
  });
});
