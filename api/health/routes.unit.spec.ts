import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthRoutes } from './routes.ts';

const READY = async () => [{ name: 'kafka', ok: true, latencyMs: 3 }];

async function readiness(
  instance?: Parameters<typeof healthRoutes>[1]['instance'],
  processing?: Parameters<typeof healthRoutes>[1]['processing'],
) {
  const app = Fastify();
  await app.register(healthRoutes, {
    readiness: READY,
    ...(instance ? { instance } : {}),
    ...(processing ? { processing } : {}),
  });
  const response = await app.inject({ method: 'GET', url: '/health/ready' });
  await app.close();
  return response;
}

describe('GET /health/ready, the instance', () => {
  it('when the process runs a role, then readiness names the role and the processors it runs beside the checks', async () => {
    const response = await readiness({ role: 'all', processors: ['projection import_jobs', 'realtime relay'] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      role: 'all',
      processors: ['projection import_jobs', 'realtime relay'],
      checks: [{ name: 'kafka', ok: true, latencyMs: 3 }],
    });
  });

  it('when the process runs the api role, then readiness says api with no processors', async () => {
    expect((await readiness({ role: 'api', processors: [] })).json()).toMatchObject({ role: 'api', processors: [] });
  });

  it('when the app is built without a role, then readiness has only the status and the checks', async () => {
    expect(Object.keys((await readiness()).json())).toEqual(['status', 'checks']);
  });
});

describe('GET /health/ready, the processors of the instance', () => {
  const consumer = {
    processor: 'projection.import_jobs',
    running: true,
    lag: 7,
    partitions: [
      { topic: 'imports.events', partition: 0, lag: 5 },
      { topic: 'imports.events', partition: 2, lag: 2 },
    ],
  };
  const role = { role: 'processors' as const, processors: ['projection import_jobs'] };

  it('when every processor started and runs, then it is ready with the lag summed and per partition', async () => {
    const response = await readiness(role, async () => ({ started: true, lag: 7, processors: [consumer] }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready', lag: 7, consumers: [consumer] });
    expect(response.json().checks.at(-1)).toEqual({ name: 'processors', ok: true, latencyMs: 0 });
  });

  it('when the processors are still joining their groups, then it is 503 saying so', async () => {
    const response = await readiness(role, async () => ({ started: false, lag: 0, processors: [] }));
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.at(-1)).toMatchObject({ name: 'processors', ok: false, error: 'still starting' });
  });

  it('when a consumer crashed for good, then it is 503 naming it', async () => {
    const crashed = { ...consumer, running: false };
    const response = await readiness(role, async () => ({ started: true, lag: 7, processors: [crashed] }));
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.at(-1).error).toMatch(/projection\.import_jobs/);
  });

  it('when an instance is far behind but running, then it stays ready: lag is reported, not a reason to drain it', async () => {
    const behind = { ...consumer, lag: 1_000_000 };
    const response = await readiness(role, async () => ({ started: true, lag: 1_000_000, processors: [behind] }));
    expect(response.statusCode).toBe(200);
  });
});
