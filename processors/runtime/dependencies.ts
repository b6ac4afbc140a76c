import type pg from 'pg';
import type { KafkaConnection } from '../../infra/kafka/client.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import type { EventCodec } from '../../schemas/codec.ts';
import type { ProcessorMetrics } from './metrics.ts';

/** What the consumer runtime is given to run processors with. */
export interface RuntimeDependencies {
  readonly kafka: KafkaConnection;
  readonly codec: EventCodec;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: ProcessorMetrics;
  /**
   * The consumer groups' session timeout for every processor run with these (KAFKA_SESSION_TIMEOUT_MS);
   * a run's own `RunOptions.sessionTimeoutMs` wins. Absent: 30 s.
   */
  readonly sessionTimeoutMs?: number;
}

export interface RunOptions {
  /** Consumer session timeout; shorter in tests so a departed member's partitions move quickly. */
  readonly sessionTimeoutMs?: number;
  /** Fault injection for tests: runs after the Postgres commit, before the Kafka commit. */
  readonly afterPostgresCommit?: () => Promise<void> | void;
  /**
   * What a record the processor gives up on becomes: by default a dead letter on `<topic>.dlq`.
   * A dry-run rebuild passes a function instead: it is told, and nothing is sent, since a dead
   * letter addressed to a processor that will never run again could only be redriven to nobody.
   */
  readonly deadLetters?: (record: {
    topic: string;
    partition: number;
    offset: string;
    reason: string;
    error: string;
  }) => void;
}
