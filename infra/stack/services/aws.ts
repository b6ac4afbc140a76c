import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnvironment } from '../../config/child-env.ts';
import { pythonVenv } from '../installers.ts';
import { spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';

/** Pinned so every machine runs the same AWS emulation; bump deliberately. */
export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';

/**
 * moto in server mode: the S3, SQS, SSM and Athena APIs on one port, state in memory. Durable
 * (STACK_AWS_DURABLE), moto's recorder appends every request to a file before answering it, and
 * a new moto replays the file before it is reported up: a kill -9 then loses nothing moto
 * acknowledged, as with S3 itself. The fault suite needs that; the everyday stack does not.
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
    startTimeoutMs: 30_000,
    stopSignal: 'SIGTERM',
    async prepare() {
      bin = await pythonVenv(venv, MOTO_REQUIREMENT, 'moto_server');
    },
    async launch() {
      const durable: Record<string, string> = settings.awsDurable
        ? { MOTO_ENABLE_RECORDING: 'True', MOTO_RECORDER_FILEPATH: recording }
        : { MOTO_ENABLE_RECORDING: '' };
      if (settings.awsDurable) mkdirSync(layout.data('aws'), { recursive: true });
      return spawnDetached(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
        logFile: layout.log('aws'),
        env: childEnvironment(durable),
      });
    },
    async afterStart() {
      if (!settings.awsDurable || !existsSync(recording) || statSync(recording).size === 0) return;
      const response = await fetch(`http://127.0.0.1:${port}/moto-api/recorder/replay-recording`, {
        method: 'POST',
        signal: AbortSignal.timeout(300_000),
      });
      if (!response.ok) throw new Error(`replaying ${recording} answered ${response.status}`);
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
