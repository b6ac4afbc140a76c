import { join } from 'node:path';
import { pythonVenv } from '../installers.ts';
import { spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';

/** Pinned so every machine runs the same AWS emulation; bump deliberately. */
export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';

/** moto in server mode: the S3, SQS, SSM and Athena APIs on one port, state in memory. */
export function awsService({ settings, layout }: ServiceContext): StackService {
  const port = settings.ports.aws;
  const venv = join(layout.tools, 'moto-venv');
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
      return spawnDetached(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
        logFile: layout.log('aws'),
      });
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
