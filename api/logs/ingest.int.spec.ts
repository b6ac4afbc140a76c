import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logErrorAlertWorker } from '../../processors/logs/error-alert-worker.ts';
import { readToEnd } from '../../processors/runtime/read-to-end.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { logsSlice } from '../../slices/logs.ts';
import { bearer, testApp } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, startLake } from '../../test/support/lake.ts';
import { testConfig, uniqueName } from '../../test/support/platform.ts';

let backbone: Backbone;
let lake: Awaited<ReturnType<typeof startLake>>;
let app: Awaited<ReturnType<typeof testApp>>;
let alerts: { stop(): Promise<void> };

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  lake = await startLake(backbone);
  app = await testApp(backbone, { slices: [logsSlice], config: lake.config });
  alerts = await logErrorAlertWorker(
    {
      pool: backbone.pool,
      publisher: backbone.publisher,
      config: await testConfig({ LOG_ERROR_ALERT_WINDOW_SECONDS: '60' }),
      runtime: backbone.runtime(),
    },
    { schema: lake.schema, name: uniqueName('alerts'), topics: [backbone.topics['logs.entries']] },
  ).start();
});
afterAll(async () => {
  await alerts?.stop();
  await app?.close();
  await lake?.running.stop();
  await backbone?.close();
});

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 19, 7, minute, second)).toISOString();
const entry = (organizationId: string, overrides: object = {}) => ({
  organizationId,
  logType: 'app',
  environment: 'test',
  server: 'dspapp-1',
  level: 'info',
  message: 'request served',
  occurredAt: at(1),
  events: [{ action: 'received request', description: 'GET /tiles', success: true, type: 'request' }],
  ...overrides,
});
const ship = async (organizationId: string, entries: object[], scopes = ['logs:write']) =>
  app.inject({
    method: 'POST',
    url: '/v1/logs',
    headers: await bearer(backbone, { organizationId, scopes }),
    payload: { entries },
  });

describe('POST /v1/logs', () => {
  it('when a service ships a batch, then 202 and every entry lands in its organization’s partition of the lake', async () => {
    const response = await ship('org-ship', [
      entry('org-ship'),
      entry('org-ship', { logType: 'web', occurredAt: at(2) }),
    ]);

    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ accepted: 2 });
    const ids = response.json().eventIds as string[];
    const rows = await eventually(
      async () => {
        const found = (await lakeRows(lake.directory)).filter((r) => ids.includes(r.event_id!));
        expect(found).toHaveLength(2);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    expect(rows.map((r) => `${r.organization}/${r.logtype}/${r.hour}`).sort()).toEqual([
      'org-ship/app/07',
      'org-ship/web/07',
    ]);
  });

  it('when an entry lacks its log type or environment, then 400 names the entry’s index and the field, and nothing is published', async () => {
    const { logType: _type, ...noType } = entry('org-ship');
    const { environment: _env, ...noEnvironment } = entry('org-ship');

    const response = await ship('org-ship', [entry('org-ship'), noType, noEnvironment]);

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'missing_partition_field',
      errors: [
        { field: 'body.entries[1].logType', problem: expect.stringContaining('is required') },
        { field: 'body.entries[2].environment' },
      ],
    });
  });

  it('when an entry’s log type or level is not one the schema has, then 400 gives one problem each, naming the allowed values', async () => {
    const response = await ship('org-ship', [entry('org-ship'), entry('org-ship', { logType: 'nope', level: 'loud' })]);

    expect(response.statusCode).toBe(400);
    const { errors } = response.json() as { errors: { field: string; problem: string }[] };
    expect(errors.map((e) => e.field)).toEqual(['body.entries[1].logType', 'body.entries[1].level']);
    expect(errors[0]!.problem).toMatch(/^must be one of: (\w+, )*app\b/);
    expect(errors[1]!.problem).toMatch(/^must be one of: .*\berror\b/);
  });

  it('when an entry’s environment is blank or its time is outside the years Athena’s tables project, then 400 names each, over /v1/logs and over /v1/events/LogEntry alike', async () => {
    const response = await ship('org-ship', [
      entry('org-ship', { environment: '  ' }),
      entry('org-ship', { occurredAt: '1970-01-01T00:00:00Z' }),
      entry('org-ship'),
    ]);

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        { field: 'body.entries[0].environment', problem: expect.stringContaining('blank') },
        { field: 'body.entries[1].occurredAt', problem: expect.stringContaining('2020 to 2099') },
      ],
    });

    // The generic door takes the same event: it must refuse what would land where no query finds it.
    const generic = await app.inject({
      method: 'POST',
      url: '/v1/events/LogEntry',
      headers: await bearer(backbone, { organizationId: 'org-ship', scopes: ['events:publish'] }),
      payload: {
        occurredAt: '2100-01-01T00:00:00Z',
        payload: {
          organizationId: 'org-ship',
          logType: 'app',
          environment: '',
          server: 's',
          level: null,
          message: 'x',
          events: [],
        },
      },
    });
    expect(generic.statusCode, generic.body).toBe(400);
    expect(generic.json().errors).toEqual([
      { field: 'body.payload.environment', problem: expect.stringContaining('blank') },
      { field: 'body.occurredAt', problem: expect.stringContaining('2020 to 2099') },
    ]);
  });

  it('when an entry names another organization, then 403 names it; without logs:write, 403 too', async () => {
    const foreign = await ship('org-ship', [entry('org-ship'), entry('org-other')]);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({
      code: 'foreign_organization',
      errors: [{ field: 'body.entries[1].organizationId' }],
    });

    const unscoped = await ship('org-ship', [entry('org-ship')], ['logs:read']);
    expect(unscoped.statusCode).toBe(403);
    expect(unscoped.json()).toMatchObject({ code: 'missing_scope' });
  });

  it('when errors and a crash of one organization fall in one window, then one log_error notification is raised for it, with an id of the window', async () => {
    const errors = [
      entry('org-alert', { level: 'error', message: 'connector down', occurredAt: at(5, 1) }),
      entry('org-alert', { level: 'error', message: 'connector still down', occurredAt: at(5, 30) }),
      entry('org-alert', { logType: 'crash', level: 'fatal', message: 'process died', occurredAt: at(5, 59) }),
      entry('org-alert', { level: 'error', message: 'next window', occurredAt: at(6, 10) }),
      entry('org-alert', { level: 'warn', message: 'only a warning', occurredAt: at(7, 0) }),
    ];
    expect((await ship('org-alert', errors.slice(0, 2))).statusCode).toBe(202);
    expect((await ship('org-alert', errors.slice(2))).statusCode).toBe(202);

    const notifications = await eventually(
      async () => {
        const records = await readToEnd(backbone.kafka, backbone.topics['realtime.notifications'], uniqueName('read'));
        const decoded = (await Promise.all(records.map((r) => backbone.codec.decode(r.value)))) as NotificationIssued[];
        const mine = decoded.filter((n) => n.metadata.organizationId === 'org-alert');
        expect(mine).toHaveLength(2);
        return mine;
      },
      { timeoutMs: 30_000 },
    );
    expect(notifications.map((n) => n.payload.topic)).toEqual(['log_error', 'log_error']);
    expect(notifications.map((n) => JSON.parse(n.payload.data).message)).toEqual(['connector down', 'next window']);
    expect(new Set(notifications.map((n) => n.metadata.eventId)).size).toBe(2);
  });
});
