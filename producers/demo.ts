import type { Logger } from '../infra/logging/logger.ts';
import type { Slice } from '../slices/slice.ts';
import type { Publisher } from './publisher.ts';

export interface DemoOptions {
  readonly organizationId: string;
  readonly environment: string;
  readonly intervalMs: number;
  /** Stop after this many rounds; forever when absent. */
  readonly rounds?: number;
  readonly onRound?: (round: number, published: number) => void;
}

export interface RunningDemo {
  /** Resolves when the rounds are done (never, without `rounds`, until stopped). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes every slice's demo events, one round per interval, so a newcomer's dashboard and
 * read models have something real to show. The events go through the publisher like any
 * service's: validated, keyed, acknowledged by the broker.
 */
export function runDemo(
  publisher: Publisher,
  slices: readonly Slice[],
  options: DemoOptions,
  logger: Logger,
): RunningDemo {
  let stopped = false;
  let wake: () => void = () => undefined;
  const done = (async () => {
    for (let round = 1; !stopped && (options.rounds === undefined || round <= options.rounds); round += 1) {
      const context = {
        organizationId: options.organizationId,
        environment: options.environment,
        round,
        now: new Date(),
      };
      const events = slices.flatMap((slice) => slice.demo?.(context) ?? []);
      try {
        if (events.length > 0) await publisher.publishBatch(events);
        options.onRound?.(round, events.length);
      } catch (error) {
        logger.warn({ err: error, round }, 'demo round not published');
      }
      if (options.rounds !== undefined && round >= options.rounds) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    done,
    async stop() {
      stopped = true;
      wake();
      await done;
    },
  };
}
