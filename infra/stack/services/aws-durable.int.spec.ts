import { appendFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../aws/clients.ts';
import { testConfig } from '../../../test/support/platform.ts';
import { isAlive } from '../processes.ts';
import { StackLayout } from '../layout.ts';
import { awsService } from './aws.ts';

/** Away from the stack's own ports and the fault suite's. */
const PORT = 15_990;

describe('moto, durable (STACK_AWS_DURABLE)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tributary-moto-'));
  const pids: number[] = [];
  afterAll(() => {
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('when moto is killed -9 twice, and once in the middle of recording a request, then it still serves every object it acknowledged', async () => {
    const config = await testConfig({ STACK_AWS_DURABLE: 'true', STACK_AWS_PORT: String(PORT) });
    const layout = new StackLayout(root);
    layout.ensure();
    // The tools installed for the everyday stack, not a second moto install.
    rmSync(layout.tools, { recursive: true, force: true });
    symlinkSync(new StackLayout(resolve(config.stack.dir)).tools, layout.tools);
    const moto = awsService({ settings: config.stack, layout });
    await moto.prepare();
    const s3 = createS3Client({ ...config.aws, endpoint: `http://127.0.0.1:${PORT}` });
    const start = async () => {
      const pid = await moto.launch();
      pids.push(pid);
      for (let tries = 0; ; tries += 1) {
        try {
          await moto.probe();
          return pid;
        } catch (error) {
          if (tries > 150) throw error;
          await sleep(200);
        }
      }
    };
    const kill = async (pid: number) => {
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(20);
    };
    const keys = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: 'durable-test' }))).Contents ?? []).map((o) => [
        o.Key,
        o.Size,
      ]);

    let pid = await start();
    await s3.send(new CreateBucketCommand({ Bucket: 'durable-test' }));
    await s3.send(new PutObjectCommand({ Bucket: 'durable-test', Key: 'a', Body: 'x'.repeat(10) }));
    await s3.send(new PutObjectCommand({ Bucket: 'durable-test', Key: 'big', Body: Buffer.alloc(300_000, 1) }));
    await kill(pid);
    // What a kill in the middle of appending a request leaves: half a line, never answered.
    appendFileSync(layout.data('aws') + '/recording.jsonl', '{"headers": {"Host": "127.0.0.1"}, "method": "PU');

    pid = await start();
    expect(await keys()).toEqual([
      ['a', 10],
      ['big', 300_000],
    ]);
    // Answered after a replay: recorded too, so the next restart keeps it.
    await s3.send(new PutObjectCommand({ Bucket: 'durable-test', Key: 'c', Body: 'y' }));
    await kill(pid);

    await start();
    expect(await keys()).toEqual([
      ['a', 10],
      ['big', 300_000],
      ['c', 1],
    ]);
  }, 60_000);
});
