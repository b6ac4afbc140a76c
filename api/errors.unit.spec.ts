import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorError, TributaryError } from '../infra/errors.ts';
import { DecodeError, EventValidationError } from '../schemas/codec.ts';
import { InvalidTokenError } from './auth/tokens.ts';
import { clientErrorHandler, frameworkErrors, problem, registerProblemHandling } from './errors.ts';

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** An app whose one route throws the given error, the problem handling the API uses, and a validated route. */
function appThrowing(error: unknown) {
  const app = Fastify({ ajv: { customOptions: { allErrors: true, removeAdditional: false } } }); // as buildApp
  apps.push(app);
  registerProblemHandling(app);
  app.get('/fails', async () => {
    throw error;
  });
  app.post(
    '/validated',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, colour: { type: 'string', enum: ['red', 'blue'] } },
        },
      },
    },
    async () => ({ ok: true }),
  );
  return app;
}

async function failWith(error: unknown) {
  const response = await appThrowing(error).inject({ url: '/fails' });
  expect(response.headers['content-type']).toContain('application/problem+json');
  return response;
}

describe('domain errors become problem+json from their own fields', () => {
  it('when an EventValidationError is thrown, then it is 400 invalid_event with each field', async () => {
    const issues = [{ field: 'payload.subject', problem: 'must be string (got 42)' }];

    const response = await failWith(new EventValidationError('ThreadCreated', issues));

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      type: 'https://tributary.dev/problems/invalid_event',
      title: 'The event does not match its schema',
      status: 400,
      code: 'invalid_event',
      detail: '1 field(s) are invalid',
      instance: expect.any(String),
      errors: issues,
    });
  });

  it('when an InvalidTokenError is thrown, then it is 401 unauthorized with its reason and WWW-Authenticate', async () => {
    const response = await failWith(new InvalidTokenError('the token has expired'));

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="tributary"');
    expect(response.json()).toMatchObject({
      status: 401,
      code: 'unauthorized',
      title: 'Authentication required',
      detail: 'the token has expired',
    });
  });

  it('when a DecodeError is thrown, then it is 422 and says it is not worth retrying', async () => {
    const error = new DecodeError('schema id 7 is not in the registry');

    const response = await failWith(error);

    expect(error.retriable).toBe(false);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      status: 422,
      code: 'undecodable_record',
      detail: 'schema id 7 is not in the registry',
    });
  });

  it('when an ApiError with headers is thrown, then its status, code and headers are sent', async () => {
    const response = await failWith(problem.rateLimited(30));

    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('30');
    expect(response.json()).toMatchObject({ status: 429, code: 'rate_limited', detail: 'retry after 30 s' });
  });

  it('when a TributaryError of a new kind is thrown, then it needs no case of its own in the handler', async () => {
    const error = new TributaryError({
      status: 409,
      code: 'already_rebuilding',
      title: 'A rebuild is running',
      errors: [{ field: 'name', problem: 'is being rebuilt' }],
    });

    const response = await failWith(error);

    expect(error.retriable).toBe(false);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      type: 'https://tributary.dev/problems/already_rebuilding',
      title: 'A rebuild is running',
      status: 409,
      code: 'already_rebuilding',
      instance: expect.any(String),
      errors: [{ field: 'name', problem: 'is being rebuilt' }],
    });
  });
});

describe("Fastify's errors and everything else", () => {
  it('when a body fails its schema, then it is 400 validation_failed naming each field', async () => {
    const response = await appThrowing(undefined).inject({
      method: 'POST',
      url: '/validated',
      payload: { colour: 'green', size: 3 },
    });

    expect(response.statusCode).toBe(400);
    const body = response.json<{ code: string; errors: { field: string; problem: string }[] }>();
    expect(body.code).toBe('validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.name', problem: 'is required' },
        { field: 'body.size', problem: 'is not allowed here' },
        { field: 'body.colour', problem: 'must be one of: red, blue' },
      ]),
    );
  });

  it('when the body is not JSON, then it is 400 malformed_json', async () => {
    const response = await appThrowing(undefined).inject({
      method: 'POST',
      url: '/validated',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'malformed_json' });
  });

  it('when no route matches, then it is 404 not_found naming the route', async () => {
    const response = await appThrowing(undefined).inject({ url: '/nowhere?x=1' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found', detail: 'no route GET /nowhere' });
  });

  it('when a plain Error or an OperatorError is thrown, then it is 500 and its message stays in the log', async () => {
    for (const error of [new Error('password=hunter2'), new OperatorError('AUTH_JWT_SECRET is too short')]) {
      const response = await failWith(error);

      expect(response.statusCode).toBe(500);
      expect(response.json()).toMatchObject({
        code: 'internal_error',
        detail: 'the error is logged with this request id',
      });
      expect(response.body).not.toContain(error.message);
    }
  });
});

describe('what Fastify and Node answer before a route runs', () => {
  it('when a path exists but not with this method, then it is 405 method_not_allowed with Allow, even without a content type', async () => {
    const app = appThrowing(undefined);

    for (const method of ['DELETE', 'PUT'] as const) {
      const response = await app.inject({ method, url: '/validated?x=1' });

      expect(response.statusCode).toBe(405);
      expect(response.headers['allow']).toBe('POST');
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({
        code: 'method_not_allowed',
        detail: '/validated answers POST, not ' + method,
      });
    }
  });

  it('when a path parameter is longer than the router allows, then it is 414 uri_too_long problem+json', async () => {
    const app = Fastify({ frameworkErrors, routerOptions: { maxParamLength: 10 } });
    apps.push(app);
    registerProblemHandling(app);
    app.get('/things/:id', async () => ({ ok: true }));

    const response = await app.inject({ url: `/things/${'x'.repeat(11)}` });

    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 414, code: 'uri_too_long' });
  });

  it("when the headers are larger than the server accepts, then Node's refusal is 431 headers_too_large problem+json", async () => {
    const app = Fastify({ clientErrorHandler });
    apps.push(app);
    registerProblemHandling(app);
    app.get('/', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };

    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });

    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1.1 431 /);
    expect(head).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });
});
