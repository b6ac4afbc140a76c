import type { Logger } from '../../infra/logging/logger.ts';

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

export type Rewind = (topic: string, partition: number, next: bigint, log: Logger) => Promise<void>;

/** What a rewind asks of Kafka and Postgres. */
export interface RewindPorts {
  /** The partition's first offset Kafka still keeps. */
  earliestOffset(topic: string, partition: number): Promise<bigint>;
  /** Moves the processor's checkpoint of the partition to `next`. */
  moveCheckpoint(topic: string, partition: number, next: bigint): Promise<void>;
  seek(topic: string, partition: number, offset: string): void;
}

/**
 * Moves a partition back to its checkpoint, unless Kafka no longer keeps the records there
 * (retention deleted them): then the checkpoint moves up to the first record kept, and the
 * partition goes on from it. Asked what Kafka keeps each time: the same gap seen twice is not
 * proof of retention (a seek lost to a consumer restarting leaves the same gap behind, and once
 * read that way skipped a record the cluster still held).
 */
export function createRewind({ earliestOffset, moveCheckpoint, seek }: RewindPorts): Rewind {
  return async function rewind(topic, partition, next, log) {
    const earliest = await earliestOffset(topic, partition);
    if (earliest > next) {
      log.error(
        { from: next.toString(), to: earliest.toString() },
        'records between the checkpoint and the first offset Kafka keeps are gone; moving on',
      );
      await moveCheckpoint(topic, partition, earliest);
      seek(topic, partition, earliest.toString());
      return;
    }
    log.info({ offset: next.toString() }, 'rewinding to the checkpoint');
    seek(topic, partition, next.toString());
  };
}
