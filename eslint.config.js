import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.stack/', 'coverage/', 'infra/stack/target/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Configuration is read in one module; everything else receives it.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read configuration through infra/config' },
      ],
    },
  },
  {
    files: ['infra/config/**', '**/*.spec.ts', 'test/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The Kafka seam (DESIGN.md): kafkajs stays behind it so it can be swapped for another client.
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'kafkajs',
              message:
                'kafkajs is imported only behind the Kafka seam (producers/publisher.ts, processors/runtime/**, infra/kafka/**); use infra/kafka (KafkaConnection, KafkaAdmin) or the consumer runtime',
            },
          ],
        },
      ],
    },
  },
  {
    // Behind the seam; and tests, which may inject raw records and inspect the cluster directly.
    files: ['producers/publisher.ts', 'processors/runtime/**', 'infra/kafka/**', '**/*.spec.ts', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The dashboard's script runs in the browser, served as is.
    files: ['api/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  prettier,
);
