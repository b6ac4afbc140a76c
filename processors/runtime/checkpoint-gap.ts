import type pg from 'pg';
import type { Logger } from '../../infra/logging/logger.ts';
import { saveCheckpoint } from './store.ts';

/**
 * Kafka delivered records beyond the checkpoint: the checkpoint moved back under us (a replay
 * swapped in tables built to an earlier offset). The partition rewinds to the checkpoint.
 */
export class CheckpointGap extends Error {
  override readonly name = 'CheckpointGap';
  constructor(readonly next: bigint) {
    super(`the checkpoint is at ${next}, behind the records delivered`);
  }
}

export type Rewind = (
  topic: string,
  partition: number,
  next: bigint,
  firstDelivered: string,
  log: Logger,
) => Promise<void>;

/**
 * Moves a partition back to its checkpoint. Asked twice for the same offset, the records
 * below the first delivered one are gone (retention): the checkpoint moves up to them instead.
 * One per running processor: it remembers the rewinds it asked for.
 */
export function createRewind(
  pool: pg.Pool,
  processor: string,
  seek: (topic: string, partition: number, offset: string) => void,
): Rewind {
  const rewinds = new Map<string, bigint>();
  return async function rewind(topic, partition, next, firstDelivered, log) {
    const at = `${topic}/${partition}`;
    if (rewinds.get(at) === next) {
      log.error(
        { from: next.toString(), to: firstDelivered },
        'records between the checkpoint and the first available offset are gone; moving on',
      );
      await saveCheckpoint(pool, processor, topic, partition, BigInt(firstDelivered));
      rewinds.delete(at);
      seek(topic, partition, firstDelivered);
      return;
    }
    rewinds.set(at, next);
    log.info({ offset: next.toString() }, 'rewinding to the checkpoint');
    seek(topic, partition, next.toString());
  };
}
