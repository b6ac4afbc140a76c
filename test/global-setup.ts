import { loadConfig } from '../infra/config/index.ts';
import { Stack } from '../infra/stack/supervisor.ts';

/**
 * Starts the local stack once for the integration tier, or reuses one that is already
 * running, and afterwards stops only what it started.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const { config } = await loadConfig();
  const stack = new Stack(config.stack);
  const log = (line: string) => process.stdout.write(`[stack] ${line}\n`);
  const started = await stack.up(log);
  return async () => {
    if (started.length > 0) await stack.down(log, started);
  };
}
