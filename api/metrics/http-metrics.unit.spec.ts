import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { recordHttpLatency } from './http-metrics.ts';

describe('HTTP latency by route', () => {
  it('when requests hit a route with ids and no route at all, then series are labelled by the pattern, never the URL', async () => {
    const registry = new Registry();
    const app = Fastify();
    recordHttpLatency(app, registry);
    app.get('/v1/things/:id', async (request, reply) =>
      (request.params as { id: string }).id === 'boom' ? reply.code(500).send() : { ok: true },
    );
    for (const url of ['/v1/things/a-1', '/v1/things/b-2', '/v1/things/boom', '/v1/secret-token-in-url'])
      await app.inject({ method: 'GET', url });
    await app.close();

    const page = await registry.metrics();
    expect(page).toContain(
      'tributary_http_request_duration_seconds_count{route="/v1/things/:id",method="GET",status_class="2xx"} 2',
    );
    expect(page).toContain(
      'tributary_http_request_duration_seconds_count{route="/v1/things/:id",method="GET",status_class="5xx"} 1',
    );
    expect(page).toContain(
      'tributary_http_request_duration_seconds_count{route="unmatched",method="GET",status_class="4xx"} 1',
    );
    expect(page).not.toMatch(/a-1|b-2|secret-token/);
  });
});
