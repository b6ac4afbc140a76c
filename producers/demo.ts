import type { Logger } from '../infra/logging/logger.ts';
import type { AwsClients } from '../infra/aws/clients.ts';
import type { Config } from '../infra/config/index.ts';
import type { Slice } from '../slices/slice.ts';
import type { Publisher } from './publisher.ts';

export interface DemoOptions {
  readonly organizationId: string;
  readonly environment: string;
  readonly intervalMs: number;
  /** Stop after this many rounds; forever when absent. */
  readonly rounds?: number;
  readonly onRound?: (round: number, published: number) => void;
  /** For the slices' demo actions (real uploads); without them only events are published. */
  readonly clients?: { readonly config: Config; readonly aws: AwsClients };
}

export interface RunningDemo {
  /** Resolves when the rounds are done (never, without `rounds`, until stopped). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes every slice's demo events, one round per interval, so a newcomer's dashboard and
 * read models have something real to show. The events go through the publisher like any
 * service's: validated, keyed, acknowledged by the broker. Given the clients, each round also
 * runs the slices' demo actions (a real upload through a pre-signed URL).
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
      const { clients } = options;
      try {
        if (events.length > 0) await publisher.publishBatch(events);
        options.onRound?.(round, events.length);
      } catch (error) {
        logger.warn({ err: error, round }, 'demo round not published');
      }
      if (clients)
        await Promise.all(
          slices.map(async (slice) => {
            try {
              await slice.demoActions?.({ ...context, ...clients, publisher });
            } catch (error) {
              logger.warn({ err: error, round, slice: slice.name }, 'demo action failed');
            }
          }),
        );
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
