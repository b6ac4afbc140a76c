import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, testApp } from '../support/api.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { isolatedSlices } from '../support/slices.ts';

interface Operation {
  security?: unknown[];
  'x-scopes'?: string[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}

let backbone: Backbone;
let app: Awaited<ReturnType<typeof testApp>>;
let operations: [string, Operation][];

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  app = await testApp(backbone, { slices: isolatedSlices(backbone) });
  const document = (await app.inject({ url: '/docs/json' })).json<{
    paths: Record<string, Record<string, Operation>>;
  }>();
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, Operation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
});
afterAll(async () => {
  await app.close();
  await backbone.close();
});

const PUBLIC = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'POST /v1/dev/tokens'];

describe('the OpenAPI document at /docs/json', () => {
  it('when a client reads it, then public routes need no token and every other route names its scope', () => {
    for (const name of PUBLIC) expect(operations.find(([n]) => n === name)?.[1].security, name).toEqual([]);
    // By method and path: one path can take different scopes to read and to change.
    const guarded = new Map(
      app.guardedRoutes.map((route) => [`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`, route]),
    );
    for (const [name, operation] of operations) {
      const route = guarded.get(name);
      expect(route, `${name} is documented but no such route is guarded`).toBeDefined();
      if (!route || route.public) continue;
      expect(operation.security, name).toEqual([{ bearer: [] }]);
      expect(operation['x-scopes'], name).toEqual([route.scope]);
    }
  });

  it('when a client reads an error response, then it is application/problem+json, the dev token 400 included', () => {
    for (const [name, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || (name === 'GET /health/ready' && status === '503')) continue;
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual(['application/problem+json']);
      }
    }
    expect(Object.keys(operations.find(([n]) => n === 'POST /v1/dev/tokens')![1].responses)).toEqual(
      expect.arrayContaining(['201', '400', '415']),
    );
  });
});

describe('errors answered before a route runs', () => {
  it('when a body is text/plain or XML, then it is 415 unsupported_media_type problem+json', async () => {
    for (const [url, headers] of [
      ['/v1/dev/tokens', {}],
      ['/v1/events/ThreadCreated', await bearer(backbone)],
    ] as const) {
      for (const type of ['text/plain', 'application/xml']) {
        const response = await app.inject({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': type },
          payload: 'hello',
        });

        expect(response.statusCode, `${url} ${type}`).toBe(415);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.json()).toMatchObject({ code: 'unsupported_media_type' });
      }
    }
  });

  it('when a JSON body has a value of the wrong type, then it is 400, not coerced into a string', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/dev/tokens',
      payload: { organizationId: 'org-1', subject: false },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body.subject' }] });
  });

  it('when a path exists with other methods only, then it is 405 with Allow', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/health/live' });

    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('GET, HEAD');
    expect(response.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('when a path parameter is too long or the headers are too large, then 414 and 431 are problem+json', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });

    const long = await fetch(`${url}/v1/organizations/${'o'.repeat(2000)}/event-counts`);
    expect(long.status).toBe(414);
    expect(long.headers.get('content-type')).toContain('application/problem+json');
    expect(await long.json()).toMatchObject({ code: 'uri_too_long' });

    const { port } = new URL(url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1.1 431 /);
    expect(raw).toContain('Content-Type: application/problem+json');
    expect(raw).toContain('"code":"headers_too_large"');
  });
});
