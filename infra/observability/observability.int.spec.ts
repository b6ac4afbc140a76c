import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInstances, removeInstance, type InstanceRecord } from '../instances/registry.ts';
import { eventually } from '../../test/support/eventually.ts';
import { testConfig } from '../../test/support/platform.ts';
import { freePort, startTributary, type TributaryProcess } from '../../test/support/tributary-process.ts';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const ALERTS = here('alerts.yml');
const DASHBOARD = here('grafana-dashboard.json');
const CLI = fileURLToPath(new URL('../../bin/tributary', import.meta.url));
/** Short beats, so a killed instance turns stale (three beats missed) within the test. */
const HEARTBEAT_MS = 1000;

/** The series a PromQL text names: Tributary's own, with a histogram's _bucket/_sum/_count kept. */
function tributaryNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\btributary_[a-z0-9_]+/g)].map((match) => match[0]));
}

/** The series names a /metrics page can hold, a histogram's suffixed ones included. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('observability across instances: metrics, alerts, dashboard, readiness, the instance registry', () => {
  let pool: pg.Pool;
  /** `--role all` with one projection: the API's /metrics and a consumer in one process. */
  let api: TributaryProcess;
  /** `--role processors` with the same projection: its own operations listener. */
  let processors: TributaryProcess;
  const env = { INSTANCE_HEARTBEAT_MS: String(HEARTBEAT_MS) };
  const mine = async () => {
    const all = await listInstances(pool, 3 * HEARTBEAT_MS);
    return {
      api: all.find((i) => i.address === api.url),
      processors: all.find((i) => i.address === processors.url),
    };
  };

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: (await testConfig()).database.url, max: 2 });
    [api, processors] = await Promise.all([
      startTributary(['--role', 'all', '--processors', 'projection-import_jobs'], {
        ...env,
        API_PORT: String(await freePort()),
      }),
      startTributary(['--role', 'processors', '--processors', 'projection-import_jobs'], env),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([api?.stop(), processors?.stop()]);
    await pool?.end();
  });

  it('when promtool checks the alert rules and runs their unit tests, then both pass', async () => {
    const checked = await run('promtool', ['check', 'rules', ALERTS]);
    expect(checked.stdout).toMatch(/SUCCESS: 5 rules found/);
    const tested = await run('promtool', ['test', 'rules', here('alerts.test.yml')]);
    expect(tested.stdout).toMatch(/SUCCESS/);
  });

  it('when the API process is scraped, then every metric the dashboard and the alerts use is on its /metrics', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const used = tributaryNames(
      [readFileSync(ALERTS, 'utf8'), ...dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr))].join(
        '\n',
      ),
    );
    expect(used.size).toBeGreaterThanOrEqual(10);
    // A request first, so the HTTP histogram has a series labelled by the route pattern.
    await fetch(`${api.url}/v1/imports/no-such-job`);
    const page = await (await fetch(`${api.url}/metrics`)).text();

    expect([...used].filter((name) => !exportedNames(page).has(name))).toEqual([]);
    expect(page).toMatch(
      /tributary_http_request_duration_seconds_count\{route="\/v1\/imports\/:jobId",method="GET",status_class="4xx"\} 1/,
    );
    expect(page).not.toContain('no-such-job');
  });

  it('when a processors-role instance is probed on its operations port, then readiness names its processors with their lag', async () => {
    const response = await fetch(`${processors.url}/health/ready`);
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body).toMatchObject({ status: 'ready', role: 'processors', processors: ['projection import_jobs'] });
    expect(body.lag).toEqual(expect.any(Number));
    expect(body.consumers).toEqual([
      expect.objectContaining({ processor: 'projection.import_jobs', running: true, partitions: expect.any(Array) }),
    ]);
    expect(body.checks.find((c: { name: string }) => c.name === 'processors')).toMatchObject({ ok: true });
    expect(await (await fetch(`${processors.url}/metrics`)).text()).toContain(
      'tributary_processor_running{processor="projection.import_jobs"} 1',
    );
  });

  it('when two instances share a consumer group, then each reports the lag of the partitions it holds, no partition twice', async () => {
    const held = async (url: string) => {
      const body = await (await fetch(`${url}/health/ready`)).json();
      const consumer = body.consumers.find((c: { processor: string }) => c.processor === 'projection.import_jobs');
      return (consumer?.partitions ?? []) as { topic: string; partition: number; lag: number }[];
    };
    await eventually(
      async () => {
        const [first, second] = await Promise.all([held(api.url), held(processors.url)]);
        // Measured from the cluster before each heartbeat, so idle partitions are reported too.
        expect(first.length).toBeGreaterThan(0);
        expect(second.length).toBeGreaterThan(0);
        const all = [...first, ...second].map((p) => `${p.topic}/${p.partition}`);
        expect(new Set(all).size).toBe(all.length);
        for (const p of [...first, ...second]) expect(p.lag).toBeGreaterThanOrEqual(0);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
  });

  it('when two instances run, then projections status lists both; a killed one turns stale, a stopped one leaves', async () => {
    const both = await eventually(async () => {
      const found = await mine();
      expect(found.api).toMatchObject({ role: 'all', stale: false, processors: ['projection import_jobs'] });
      expect(found.processors).toMatchObject({ role: 'processors', stale: false });
      return found as { api: InstanceRecord; processors: InstanceRecord };
    });
    const { stdout } = await run(CLI, ['projections', 'status'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    });
    for (const instance of [both.api, both.processors])
      expect(stdout).toMatch(new RegExp(`^${instance.id} +live +${instance.role} .*${instance.address}`, 'm'));

    await processors.kill();
    await eventually(
      async () => {
        const found = await mine();
        expect(found.processors).toMatchObject({ id: both.processors.id, stale: true });
        expect(found.api).toMatchObject({ stale: false });
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );

    expect(await api.stop()).toBe(0);
    expect((await mine()).api).toBeUndefined();
    // Not left for an hour in the status of whoever runs Tributary on this stack.
    await removeInstance(pool, both.processors.id);
  });
});
