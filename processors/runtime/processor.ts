import type pg from 'pg';
import type { Logger } from '../../infra/logging/logger.ts';
import type { TributaryEvent } from '../../schemas/generated/events.ts';
import type { RetryPolicy } from './retry.ts';

/** An event as a handler receives it: decoded, typed, with where it was read from. */
export interface ConsumedEvent<E extends TributaryEvent = TributaryEvent> {
  readonly event: E;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, as a decimal string (offsets exceed 2^53 in principle). */
  readonly offset: string;
  readonly key: string | null;
}

export interface HandlerContext {
  readonly processor: string;
  readonly logger: Logger;
}

export interface CheckpointedContext extends HandlerContext {
  /** The open transaction the handler's statements run in; the runtime commits it with the checkpoint. */
  readonly tx: pg.PoolClient;
}

interface ProcessorBase {
  /** Unique and versioned, e.g. `thread-list.v1`: it names the consumer group and the checkpoints. */
  readonly name: string;
  readonly topics: readonly string[];
  readonly retry?: Partial<RetryPolicy>;
  /** How many partitions are handled at once (default 3); a slow partition never blocks the others. */
  readonly concurrency?: number;
  /**
   * Whether a dead letter parks its key, holding the key's later events behind it (default true:
   * an aggregate's events must apply in order). False for events that stand alone (log entries,
   * keyed by organization: one bad record must not hold an organization's logs back).
   */
  readonly parkKeys?: boolean;
  /**
   * The processor whose operators' discards it follows: a record that processor dead-lettered and
   * someone then discarded (`dlq discard`) is stepped over here too, as the operator chose there.
   * A projection's rebuild follows its live processor: a discarded poison record had parked its
   * key again in the rebuild and dead-lettered the events after it, which the live tables hold
   * (redriven), so a replay lost them (a stranger's probe).
   */
  readonly followsDiscardsOf?: string;
}

/**
 * Effects outside Postgres (publishing, calling out): offsets are committed after the handler
 * resolves, so an event can be handled again after a crash; handlers must be idempotent
 * (derive output ids from input ids).
 */
export interface AtLeastOnceProcessor extends ProcessorBase {
  readonly mode: 'at-least-once';
  handle(events: readonly ConsumedEvent[], context: HandlerContext): Promise<void>;
}

/**
 * Effects in Postgres: the handler's statements and the consumed offsets commit in one
 * transaction, so each event is applied exactly once even when Kafka delivers it twice.
 */
export interface CheckpointedProcessor extends ProcessorBase {
  readonly mode: 'checkpointed';
  /** The Postgres schema the handler's unqualified table names resolve to (a projection's live or shadow tables). */
  readonly schema?: string;
  /**
   * Skip events whose eventId this processor has applied before, even at another offset: for
   * topics written by at-least-once processors, whose redeliveries republish the same ids.
   */
  readonly dedupeByEventId?: boolean;
  /**
   * Commit a unit without waiting for its WAL to reach disk (`synchronous_commit = off`), for
   * effects rebuilt from Kafka anyway (a projection's tables). A Postgres crash may then lose the
   * last units committed (at most ~0.6 s of them), rows and checkpoint together, so it never
   * breaks exactly once: the runner finds its checkpoint behind the records it has read and
   * rewinds to it. A partition's first checkpoint is always committed durably, so a lost unit
   * always leaves a checkpoint that says where to go back to.
   */
  readonly asynchronousCommit?: boolean;
  handle(events: readonly ConsumedEvent[], context: CheckpointedContext): Promise<void>;
}

export type Processor = AtLeastOnceProcessor | CheckpointedProcessor;

/** Consumer group ids carry a prefix so Tributary's groups are easy to find on a shared cluster. */
export function groupIdOf(processor: Pick<Processor, 'name'>): string {
  return `tributary.${processor.name}`;
}
