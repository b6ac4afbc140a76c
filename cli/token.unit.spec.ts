import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../bin/tributary', import.meta.url));

async function token(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(CLI, ['token', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('tributary token', () => {
  it('when the organization is blank, the lifetime unreadable or a scope unknown, then one line says which option, with no stack', async () => {
    const cases = [
      [['--org', ' ', '--sub', 'x'], "--org: ' ' is not an organization id"],
      [['--org', 'acme/transactions', '--sub', 'x'], "--org: 'acme/transactions' is not an organization id"],
      [['--org', 'o', '--sub', 'x', '--expires', 'abc'], '--expires abc: not a lifetime'],
      [['--org', 'o', '--sub', 'x', '--expires', '-1h'], '--expires -1h: a lifetime must be above zero'],
      [['--org', 'o', '--sub', 'x', '--expires', '0s'], '--expires 0s: a lifetime must be above zero'],
      [['--org', 'o', '--sub', 'x', '--expires', '0.1s'], '--expires 0.1s: a lifetime must be a second or more'],
      [['--org', 'o', '--sub', 'x', '--expires', '99999999d'], '--expires 99999999d: at most 366d'],
      [['--org', 'o', '--sub', 'x', '--scope', 'bad scope'], '--scope: bad scope is not a scope name'],
    ] as const;
    for (const [args, said] of cases) {
      const result = await token(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(said);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe('');
    }
  });

  it('when the options are right, then it prints a signed token; a scope no slice declares (a thread scope) goes in with a note', async () => {
    const result = await token('--org', 'org-1', '--sub', 'alice', '--scope', 'messages:read', '--expires', '15m');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const clinical = await token('--org', 'org-1', '--sub', 'alice', '--scope', 'messages:write', 'clinical');
    expect(clinical.code).toBe(0);
    expect(clinical.stderr).toContain('no slice declares clinical');
    const claims = JSON.parse(Buffer.from(clinical.stdout.trim().split('.')[1]!, 'base64url').toString());
    expect(claims.scope).toBe('messages:write clinical');
  });
});
