import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../infra/config/index.ts';

/** The configuration the integration tier runs with: the local stack's defaults. */
export async function testConfig(overrides: NodeJS.ProcessEnv = {}): Promise<Config> {
  const { config } = await loadConfig({ env: { ...process.env, ...overrides } });
  return config;
}

export const quietLogger = () => pino({ level: 'silent' });

/** A name no other test (or earlier run) uses: tests make their own topics, tables and buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
