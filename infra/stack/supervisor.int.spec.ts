import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/support/platform.ts';
import { Stack, StackError } from './supervisor.ts';

describe('the local stack supervisor', () => {
  it('when the stack is up, then status reports every service running with its port and pid', async () => {
    const config = await testConfig();
    const statuses = await new Stack(config.stack).status();
    expect(statuses.map((s) => [s.service, s.state])).toEqual([
      ['postgres', 'running'],
      ['kafka', 'running'],
      ['aws', 'running'],
      ['registry', 'running'],
    ]);
    expect(statuses.find((s) => s.service === 'kafka')).toMatchObject({
      port: config.stack.ports.kafka,
      pid: expect.any(Number),
    });
  });

  it('when up is run again on a running stack, then it starts nothing', async () => {
    const config = await testConfig();
    expect(await new Stack(config.stack).up()).toEqual([]);
  });

  it('when a port is taken by a process the stack did not start, then up names the service and the variable to change', async () => {
    const base = await testConfig();
    const dir = mkdtempSync(join(tmpdir(), 'tributary-stack-'));
    try {
      // A second stack folder on the same ports: the running stack holds every one of them.
      const config = await testConfig({ STACK_DIR: dir });
      const attempt = new Stack(config.stack).up();
      await expect(attempt).rejects.toBeInstanceOf(StackError);
      await expect(attempt).rejects.toThrow(
        `postgres: port ${base.stack.ports.postgres} is taken by a process this stack did not start; stop it or set STACK_POSTGRES_PORT`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
