import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthRoutes } from './routes.ts';

const READY = async () => [{ name: 'kafka', ok: true, latencyMs: 3 }];

async function readiness(instance?: Parameters<typeof healthRoutes>[1]['instance']) {
  const app = Fastify();
  await app.register(healthRoutes, { readiness: READY, ...(instance ? { instance } : {}) });
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
