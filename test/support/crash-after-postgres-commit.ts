/**
 * Runs a recording projection in its own process and kills that process (SIGKILL, no chance to
 * clean up) right after the first Postgres commit, before the Kafka commit: the window the
 * checkpoint exists for. Usage: tsx crash-after-postgres-commit.ts <backbone suffix> <processor> <table>
 */
import { startProcessor } from '../../processors/runtime/runner.ts';
import { isolatedBackbone } from './backbone.ts';
import { quietLogger } from './platform.ts';
import { recordingProjection } from './recording-projection.ts';

const [suffix, name, table] = process.argv.slice(2);
if (!suffix || !name || !table) throw new Error('usage: crash-after-postgres-commit.ts <suffix> <processor> <table>');
const backbone = await isolatedBackbone({ suffix });
await startProcessor(
  recordingProjection(name, [backbone.topics['messages.events']], table),
  {
    kafka: backbone.kafka,
    codec: backbone.codec,
    pool: backbone.pool,
    logger: quietLogger(),
    metrics: backbone.metrics,
  },
  { sessionTimeoutMs: 6000, afterPostgresCommit: () => process.kill(process.pid, 'SIGKILL') },
);
