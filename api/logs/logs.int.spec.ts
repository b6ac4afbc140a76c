import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_ROW_COLUMNS } from '../../infra/lake/log-query.ts';
import { logsSlice } from '../../slices/logs.ts';
import { bearer, testApp } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { lakeRows, logEntry, startLake } from '../../test/support/lake.ts';

let backbone: Backbone;
let lake: Awaited<ReturnType<typeof startLake>>;
let app: Awaited<ReturnType<typeof testApp>>;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute));
const mine = [
  logEntry('org-x', 'web', at(1)),
  logEntry('org-x', 'web', at(2), { success: false, message: '=failed, "badly"' }),
];

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  lake = await startLake(backbone);
  app = await testApp(backbone, { slices: [logsSlice], config: lake.config });
  await backbone.publisher.publishBatch([...mine, logEntry('org-y', 'web', at(3))]);
  await eventually(async () => expect(await lakeRows(lake.directory)).toHaveLength(3), { timeoutMs: 30_000 });
});
afterAll(async () => {
  await app?.close();
  await lake?.running.stop();
  await backbone?.close();
});

const query = async (organizationId: string, body: object, accept = 'application/x-ndjson') =>
  app.inject({
    method: 'POST',
    url: '/v1/logs/query',
    headers: { ...(await bearer(backbone, { organizationId, scopes: ['logs:read'] })), accept },
    payload: { environment: 'test', from: at(0).toISOString(), hours: 1, ...body },
  });

describe('POST /v1/logs/query', () => {
  it('when an organization queries its logs, then it gets its entries as JSON lines, oldest first, and never another’s', async () => {
    const response = await query('org-x', { logTypes: ['web'] });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.event_id)).toEqual(mine.map((e) => e.metadata.eventId));
    expect(response.headers['x-lake-objects']).toBe('1');
    expect((await query('org-z', {})).body).toBe('');
  });

  it('when CSV is asked for, then the rows come as CSV with a header, quoted cells and formulas escaped', async () => {
    const response = await query('org-x', { success: false }, 'text/csv');

    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, row] = response.body.trim().split('\n');
    expect(header).toContain('event_id');
    expect(row).toContain(mine[1]!.metadata.eventId);
    expect(row).toContain(`"'=failed, ""badly"""`);
  });

  it('when more rows match than the limit, then the answer says it is truncated, and says so too when it is all', async () => {
    const cut = await query('org-x', { limit: 1 });
    const whole = await query('org-x', { limit: 2 });

    expect(cut.body.trim().split('\n')).toHaveLength(1);
    expect(cut.headers['x-lake-truncated']).toBe('true');
    expect(whole.body.trim().split('\n')).toHaveLength(2);
    expect(whole.headers['x-lake-truncated']).toBe('false');
  });

  it('when Accept weighs the types, then the preferred one answers; an empty CSV answer still has its header; a type neither is 406', async () => {
    const preferred = await query('org-x', {}, 'application/x-ndjson;q=0.2, text/csv;q=0.9');
    const any = await query('org-x', {}, '*/*');
    const empty = await query('org-z', {}, 'text/csv');
    const neither = await query('org-x', {}, 'application/xml');

    expect(preferred.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(preferred.body.split('\n')[0]).toBe(LOG_ROW_COLUMNS.join(','));
    expect(any.headers['content-type']).toContain('application/x-ndjson');
    expect(Object.keys(JSON.parse(any.body.split('\n')[0]!))).toEqual([...LOG_ROW_COLUMNS]);
    expect(empty.body).toBe(`${LOG_ROW_COLUMNS.join(',')}\n`);
    expect(neither.statusCode).toBe(406);
    expect(neither.json()).toMatchObject({ code: 'not_acceptable', detail: expect.stringContaining('text/csv') });
  });

  it('when the range is longer than a query may span, then 400 names body.hours', async () => {
    const response = await query('org-x', { hours: 24 * 31 + 1 });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body.hours' }] });
  });

  it('when the range would end after the year 9999, then 400 names body.hours, not a 500', async () => {
    const response = await query('org-x', { from: '9999-12-31T23:00:00Z', hours: 2 });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body.hours' }] });
    // The last hour of 9999 reads, with SQL run over a file of that hour (published past the
    // ingest doors, which refuse that year now): the range's end must be one SQL can cast.
    const last = logEntry('org-x', 'web', new Date(Date.UTC(9999, 11, 31, 23, 30)));
    await backbone.publisher.publish(last);
    await eventually(async () => expect(await lakeRows(lake.directory)).toHaveLength(4), { timeoutMs: 30_000 });
    const lastHour = await query('org-x', { from: '9999-12-31T23:00:00Z', hours: 1 });
    expect(lastHour.statusCode, lastHour.body).toBe(200);
    expect(lastHour.body).toContain(last.metadata.eventId);
  });
});
