import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every temporary file of the run (and of the processes its tests start) goes under one
// directory, removed when the run ends: tests used to leave their CSVs, keys and lakes in /tmp.
const scratch = mkdtempSync(join(tmpdir(), 'tributary-test-run-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// Two tiers, named in the file name: *.unit.spec.ts (pure logic, no services) and
// *.int.spec.ts (the real local stack, started once by test/global-setup.ts).
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TMPDIR: scratch },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.unit.spec.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          // Unit files first, then the integration ones (vitest runs projects of different
          // worker counts as separate groups, in this order).
          sequence: { groupOrder: 0 },
          // A hang guard, not a speed check: on a shared machine a busy second can pass 5 s.
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          globalSetup: ['test/global-setup.ts'],
          // Integration files mostly wait (group joins, session timeouts, broker round trips), and each
          // works on topics, groups and schemas of its own: three at a time on two cores. Vitest's
          // default is one fewer than the cores, which on these machines ran them one by one.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          // A hang guard for setup and teardown: an isolated backbone (16 topics, 34 schemas
          // registered) takes 2 to 4 s idle, and twice passed 60 s in CI under the suite's load
          // (test/support/backbone.ts reports a slow one's phases on stderr).
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
