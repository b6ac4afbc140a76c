/**
 * Runs the log lake's partitioner in a process of its own, for the kill -9 tests.
 * Usage: lake-process.ts <backbone suffix> <schema> <stager name> <lake directory> <mode>
 *   steady        run until killed
 *   crash-prone   also SIGKILL itself, now and then, right after an object is stored and before
 *                 the flush is recorded (the window a timer-closed file can die in)
 * Prints `ready` once it consumes.
 */
import { createAwsClients } from '../../infra/aws/clients.ts';
import { DirectoryLake } from '../../infra/lake/store.ts';
import { logLakeWorker } from '../../processors/logs/lake-worker.ts';
import { isolatedBackbone } from './backbone.ts';
import { quietLogger, testConfig } from './platform.ts';

const [suffix, schema, stagerName, directory, mode] = process.argv.slice(2);
if (!suffix || !schema || !stagerName || !directory || !mode)
  throw new Error('usage: lake-process.ts <suffix> <schema> <stager name> <directory> <mode>');
const backbone = await isolatedBackbone({ suffix });
const config = await testConfig({
  LAKE_DIRECTORY: directory,
  LAKE_FILE_MAX_ROWS: '7',
  LAKE_FILE_MAX_AGE_SECONDS: '1',
  LAKE_FLUSH_INTERVAL_MS: '100',
});
const lake = new DirectoryLake(directory);
const context = {
  publisher: backbone.publisher,
  config,
  aws: createAwsClients(config.aws),
  pool: backbone.pool,
  projections: {},
  logger: quietLogger(),
  runtime: backbone.runtime(),
  slices: [],
};
await logLakeWorker(context, {
  schema,
  stagerName,
  topics: [backbone.topics['logs.entries']],
  run: { sessionTimeoutMs: 6000 },
  store: {
    location: lake.location,
    list: (prefix) => lake.list(prefix),
    local: (key, scratch) => lake.local(key, scratch),
    remove: (key) => lake.remove(key),
    async put(key, file) {
      await lake.put(key, file);
      if (mode === 'crash-prone' && Math.random() < 0.25) process.kill(process.pid, 'SIGKILL');
    },
  },
}).start();
process.stdout.write('ready\n');
