import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { childEnvironment } from '../../config/child-env.ts';
import { pythonVenv } from '../installers.ts';
import { spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';

/** Pinned so every machine runs the same AWS emulation; bump deliberately. */
export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';

const DURABLE_LAUNCHER = fileURLToPath(new URL('moto_durable.py', import.meta.url));

/**
 * moto in server mode: the S3, SQS, SSM and Athena APIs on one port, state in memory. Durable
 * (STACK_AWS_DURABLE), moto's recorder appends every request to a file before answering it, and
 * a new moto replays the file before its port opens (moto_durable.py says why not after): a
 * kill -9 then loses nothing moto acknowledged, as with S3 itself. The fault suite needs that;
 * the everyday stack does not.
 */
export function awsService({ settings, layout }: ServiceContext): StackService {
  const port = settings.ports.aws;
  const venv = join(layout.tools, 'moto-venv');
  const recording = join(layout.data('aws'), 'recording.jsonl');
  let bin = '';

  return {
    name: 'aws',
    port,
    portVariable: 'STACK_AWS_PORT',
    otherPorts: [],
    dependsOn: [],
    // Durable, the replay comes before the port opens, and a long run's recording takes a while.
    startTimeoutMs: settings.awsDurable ? 300_000 : 30_000,
    stopSignal: 'SIGTERM',
    async prepare() {
      bin = await pythonVenv(venv, MOTO_REQUIREMENT, 'moto_server');
    },
    async launch() {
      const durable: Record<string, string> = settings.awsDurable
        ? { MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: recording }
        : { MOTO_ENABLE_RECORDING: '' };
      const options = { logFile: layout.log('aws'), env: childEnvironment(durable) };
      if (!settings.awsDurable)
        return spawnDetached(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], options);
      mkdirSync(layout.data('aws'), { recursive: true });
      return spawnDetached(join(bin, 'python'), [DURABLE_LAUNCHER, '127.0.0.1', String(port)], options);
    },
    async probe() {
      // A real S3 call (ListBuckets), not just an open port.
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (!response.ok || !body.includes('ListAllMyBucketsResult'))
        throw new Error(`GET / answered ${response.status}`);
    },
  };
}
