import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** How long to keep trying (default 30 s). */
  readonly timeoutMs?: number;
  /** Pause between tries (default 50 ms). */
  readonly intervalMs?: number;
}

/**
 * Runs `check` until it returns without throwing (use `expect` inside it), and returns what it
 * returned. When the deadline passes, fails with the last error the check threw, so the test
 * says what was still wrong rather than "timed out".
 */
export async function eventually<T>(check: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let tries = 1; ; tries += 1) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const message = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`still failing after ${timeoutMs} ms (${tries} tries): ${message}`, { cause: lastError });
    }
    await sleep(Math.min(options.intervalMs ?? 50, Math.max(1, deadline - Date.now())));
  }
}
