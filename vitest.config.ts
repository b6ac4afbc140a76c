import { defineConfig } from 'vitest/config';

// Two tiers, named in the file name: *.unit.spec.ts (pure logic, no services) and
// *.int.spec.ts (the real local stack, started once by test/global-setup.ts).
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude: ['node_modules/**', '.stack/**'] },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude: ['node_modules/**', '.stack/**'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
