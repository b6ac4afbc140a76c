import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import { backoffDelay, type RetryPolicy } from './retry.ts';

/** Between starts of a consumer kafkajs gave up on: quick at first, then every 30 s at most. */
export const RESTART_BACKOFF: RetryPolicy = { attempts: Infinity, initialDelayMs: 1000, maxDelayMs: 30_000 };

export interface RestartHooks {
  /** kafkajs gave up on the consumer (or a start again failed); it starts again in `delayMs`. */
  onGiveUp?(error: unknown, crashes: number, delayMs: number): void;
  /** The consumer joined its group again after `crashes` crashes in a row. */
  onRejoined?(crashes: number): void;
}

/**
 * kafkajs restarts a consumer after a crash it deems retriable; after any other ("The coordinator
 * is loading" once a broker restarts, among others) it disconnects it and leaves it so. A process
 * that stays up consuming nothing is worse than either, so the consumer is connected and run again,
 * with a backoff that grows while the starts keep crashing, for as long as it takes. Returns the
 * function that ends this (call it before disconnecting on purpose).
 */
export function restartOnCrash(consumer: Consumer, runConfig: ConsumerRunConfig, hooks: RestartHooks = {}): () => void {
  let stopped = false;
  let crashes = 0;
  const restartLater = (error: unknown) => {
    if (stopped) return;
    crashes += 1;
    const delayMs = RESTART_BACKOFF.initialDelayMs + backoffDelay(crashes, RESTART_BACKOFF);
    hooks.onGiveUp?.(error, crashes, delayMs);
    setTimeout(() => {
      if (stopped) return;
      // A join that fails inside run() crashes again (and comes back here); a connect that fails throws.
      consumer
        .connect()
        .then(() => consumer.run(runConfig))
        .catch((failed: unknown) => restartLater(failed));
    }, delayMs);
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) restartLater(payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (crashes === 0 || stopped) return;
    hooks.onRejoined?.(crashes);
    crashes = 0;
  });
  return () => {
    stopped = true;
  };
}
