import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devNull } from 'node:os';
import { pino } from 'pino';
import { loggerOptions } from '../../infra/logging/logger.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, startLake } from '../../test/support/lake.ts';
import { testConfig } from '../../test/support/platform.ts';
import { ownLogShipper } from './own-logs.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
});
afterAll(async () => {
  await backbone?.close();
});

describe('Tributary’s own logs shipped to the lake', () => {
  it('when shipping is enabled, then the process’s log lines land in the lake as the operator’s entries, and the lake’s own lines never do', async () => {
    const config = await testConfig({
      LOG_SHIPPING_ENABLED: 'true',
      LOG_SHIPPING_ORGANIZATION: 'org-operator',
      LOG_SHIPPING_TYPE: 'app',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
    const shipper = ownLogShipper(config)!;
    expect(shipper).toBeDefined();
    // The root logger `start` makes, teeing every line to the shipper (to /dev/null here, not stdout).
    const logger = pino(
      loggerOptions({ level: 'info', format: 'json' }, 'tributary-test', shipper.write),
      pino.destination({ dest: devNull, sync: true }),
    );
    const lake = await startLake(backbone, undefined, logger.child({ test: 'own-logs' }));
    shipper.attach(backbone.publisher);
    try {
      logger.info({ correlationId: 'tx-own-1' }, 'api listening');
      logger.error({ err: new Error('projection stalled') }, 'projection stalled');

      const rows = await eventually(
        async () => {
          const found = (await lakeRows(lake.directory)).filter((r) => r.organization === 'org-operator');
          expect(found.length).toBeGreaterThanOrEqual(2);
          return found;
        },
        { timeoutMs: 30_000 },
      );
      // Several flushes have stored files (each logged "lake file stored"): none of those lines shipped.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const after = (await lakeRows(lake.directory)).filter((r) => r.organization === 'org-operator');
      expect(after).toHaveLength(2);
      expect(rows.every((r) => r.logtype === 'app')).toBe(true);
      expect(shipper.stats.shipped).toBe(2);
    } finally {
      await shipper.close();
      await lake.running.stop();
    }
  });
});
