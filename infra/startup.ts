import { OperatorError } from './errors.ts';
import type { ShutdownStep } from './lifecycle.ts';
import type { Logger } from './logging/logger.ts';

/** A part of Tributary that did not start; its name says which. */
export class PartFailedError extends OperatorError {
  override name = 'PartFailedError';
  constructor(
    readonly part: string,
    cause: unknown,
  ) {
    super(`${part} did not start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface Part<T> {
  readonly name: string;
  start(): Promise<T>;
  stop(value: T): Promise<void>;
}

/**
 * Starts the parts of a process in order and remembers how to stop each. When one fails, the
 * caller stops what did start (`stopAll`) and exits naming the part, rather than leaving a
 * process that neither serves nor exits. Stopping runs in the reverse order of starting.
 */
export class Startup {
  private readonly started: ShutdownStep[] = [];

  constructor(private readonly logger: Logger) {}

  async part<T>(part: Part<T>): Promise<T> {
    const [value] = await this.together([part]);
    return value as T;
  }

  /**
   * Starts parts side by side; they stop side by side too. If any fails, the error names it,
   * and the others that did start are still stopped by `stopAll`.
   */
  async together<T>(parts: readonly Part<T>[]): Promise<T[]> {
    const stops: (() => Promise<void>)[] = [];
    const results = await Promise.allSettled(
      parts.map(async (part) => {
        const value = await part.start();
        stops.push(() => part.stop(value));
        this.logger.debug({ part: part.name }, 'started');
        return value;
      }),
    );
    if (stops.length > 0)
      this.started.push({
        name: parts.map((part) => part.name).join(', '),
        run: async () => {
          const stopped = await Promise.allSettled(stops.map((stop) => stop()));
          const failure = stopped.find((result) => result.status === 'rejected');
          if (failure) throw (failure as PromiseRejectedResult).reason;
        },
      });
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) throw new PartFailedError(parts[failed]!.name, (results[failed] as PromiseRejectedResult).reason);
    return results.map((result) => (result as PromiseFulfilledResult<T>).value);
  }

  /** The stop steps, newest first: what SIGINT and SIGTERM run. */
  steps(): ShutdownStep[] {
    return [...this.started].reverse();
  }

  /** Stops everything that started, newest first, each failure logged and passed over. */
  async stopAll(): Promise<void> {
    for (const step of this.steps()) {
      try {
        await step.run();
      } catch (error) {
        this.logger.error({ err: error, step: step.name }, 'could not stop');
      }
    }
    this.started.length = 0;
  }
}
