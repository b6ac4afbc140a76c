import type { Producer } from 'kafkajs';
import type { Logger } from '../../infra/logging/logger.ts';
import type { RunOptions, RuntimeDependencies } from './dependencies.ts';
import type { Processor } from './processor.ts';
import type { RetryPolicy } from './retry.ts';

/** What every step of batch handling shares for one running processor. */
export interface BatchContext {
  readonly processor: Processor;
  readonly deps: RuntimeDependencies;
  readonly logger: Logger;
  readonly policy: RetryPolicy;
  readonly options: RunOptions;
  readonly deadLetterProducer: Producer;
  readonly seek: (topic: string, partition: number, offset: string) => void;
}

/** The batch in hand: one partition's fetched records, and what the consumer lets a step do with them. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly log: Logger;
  /** False once the consumer is stopping: pauses end early, and what failed is left uncommitted. */
  isRunning(): boolean;
  heartbeat(): Promise<void>;
  /** Tells Kafka the group is done with the records up to `offset`, inclusive. */
  commitKafka(offset: string): Promise<void>;
}
