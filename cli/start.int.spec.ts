import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../bin/tributary', import.meta.url));

/** Runs the CLI to its end, as a user would, and returns how it ended. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, {
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

describe('tributary start', () => {
  it('when a part cannot start, then it stops what did start and exits 1 naming the part, rather than hanging', async () => {
    const result = await run(['start', '--no-stack', '--no-demo'], {
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^provisioning did not start: /m);
  });
});
