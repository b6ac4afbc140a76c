import type { Logger } from '../logging/logger.ts';

/**
 * A long-poll loop (an SQS worker's): calls `poll` again and again until stopped, backing off
 * exponentially with jitter while it fails, so a queue that cannot be reached is not hammered.
 * `stop` aborts the poll in flight (its signal) and resolves once the loop has ended.
 */
export class PollLoop {
  private stopping = false;
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly poll: (signal: AbortSignal) => Promise<unknown>,
    private readonly logger: Logger,
    /** Names the loop in the warning a failed poll logs. */
    private readonly what: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.poll(this.abort.signal);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures += 1;
        const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2);
        this.logger.warn({ err: error, retryInMs: Math.round(delay) }, `${this.what} poll failed`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
