import { CheckpointGap } from './checkpoint-gap.ts';
import {
  backoffDelay,
  isKafkaUnavailable,
  isLostMembership,
  isPostgresUnavailable,
  isRetriable,
  type RetryPolicy,
} from './retry.ts';

export type Outcome = { ok: true } | { ok: false; error: unknown; attempts: number };

export interface RetryLoop {
  readonly policy: RetryPolicy;
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** Keeps the group membership alive while the loop waits. */
  heartbeat(): Promise<void>;
  onRetry(error: unknown, attempt: number): void;
  /** The jitter's source, for tests (default Math.random). */
  readonly random?: () => number;
}

/**
 * Runs `work` until it succeeds, fails in a way retrying cannot help, or runs out of attempts,
 * waiting the policy's backoff between tries; a Kafka client failure (the cluster unreachable)
 * or Postgres being down or starting up uses no attempts. A checkpoint gap is not a failure: it ends the
 * batch, and so does the consumer losing its group membership (never a reason to dead-letter a
 * record). Stopping mid-wait throws the error, leaving the record uncommitted to be handled again.
 */
export async function retryWithBackoff(work: () => Promise<void>, loop: RetryLoop): Promise<Outcome> {
  for (let tries = 1; ; tries += 1) {
    try {
      await work();
      return { ok: true };
    } catch (error) {
      // Neither is the record's fault: the batch ends, and the partition's owner (this consumer
      // once it rejoins, or another) handles the record again from the committed offset.
      if (error instanceof CheckpointGap || isLostMembership(error)) throw error;
      // Kafka or Postgres unreachable is never the record's fault: it is retried for as long as
      // it lasts (a Postgres restart outlasted the attempts, and the fault suite found messages
      // dead-lettered with "the database system is starting up").
      const waitForKafka = isKafkaUnavailable(error) || isPostgresUnavailable(error);
      if (!waitForKafka && (!isRetriable(error) || tries >= loop.policy.attempts))
        return { ok: false, error, attempts: tries };
      loop.onRetry(error, tries);
      await heartbeatingPause(backoffDelay(tries, loop.policy, loop.random), loop);
      if (!loop.isRunning()) throw error; // stopping: leave it uncommitted, it is handled again later
    }
  }
}

/**
 * Waits `ms`, heartbeating at least every second so a long backoff does not cost the
 * partition its group membership; ends early when the consumer stops.
 */
export async function heartbeatingPause(
  ms: number,
  { isRunning, heartbeat }: Pick<RetryLoop, 'isRunning' | 'heartbeat'>,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && isRunning()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
    await heartbeat();
  }
}
