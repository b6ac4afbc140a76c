/**
 * Runs a recording projection in a process of its own, for the tests of what happens to a
 * process from outside. Usage: projection-process.ts <backbone suffix> <processor> <table> <mode>
 *   crash-after-postgres-commit   SIGKILL itself right after the first Postgres commit, before the Kafka commit
 *   until-signal                  run (slowly) until SIGTERM, then stop the way `tributary start` does
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { shutdownOnSignals } from '../../infra/lifecycle.ts';
import { startProcessor } from '../../processors/runtime/runner.ts';
import { isolatedBackbone } from './backbone.ts';
import { quietLogger } from './platform.ts';
import { recordingProjection } from './recording-projection.ts';

const [suffix, name, table, mode] = process.argv.slice(2);
if (!suffix || !name || !table || !mode)
  throw new Error('usage: projection-process.ts <suffix> <processor> <table> <mode>');
const backbone = await isolatedBackbone({ suffix });
const logger = quietLogger();
const projection = recordingProjection(name, [backbone.topics['messages.events']], table);
const deps = backbone.runtime(logger);

if (mode === 'crash-after-postgres-commit') {
  await startProcessor(projection, deps, {
    sessionTimeoutMs: 6000,
    afterPostgresCommit: () => {
      process.kill(process.pid, 'SIGKILL');
    },
  });
} else if (mode === 'until-signal') {
  const slow = {
    ...projection,
    handle: async (...args: Parameters<typeof projection.handle>) => {
      await sleep(150);
      await projection.handle(...args);
    },
  };
  const runner = await startProcessor(slow, deps, { sessionTimeoutMs: 6000 });
  shutdownOnSignals(
    [
      { name: 'processor', run: () => runner.stop() },
      { name: 'connections', run: () => backbone.close() },
    ],
    logger,
  );
  process.stdout.write('ready\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
