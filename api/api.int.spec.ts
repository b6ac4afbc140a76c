import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loggerOptions } from '../infra/logging/logger.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProjection } from '../projections/live.ts';
import { scopesOf } from '../slices/index.ts';
import { isolatedSlices } from '../test/support/slices.ts';
import type { RunningProcessor } from '../processors/runtime/runner.ts';
import { loadEventSchemas } from '../schemas/avro.ts';
import { INGEST_EVENT_TYPES } from '../schemas/catalog.ts';
import { bearer, testApp } from '../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { uniqueName } from '../test/support/platform.ts';
import { sampleEvent } from '../test/support/sample-events.ts';

let backbone: Backbone;
let app: Awaited<ReturnType<typeof testApp>>;
let projection: RunningProcessor;
let slices: ReturnType<typeof isolatedSlices>;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  slices = isolatedSlices(backbone);
  app = await testApp(backbone, { slices });
  const counts = slices.find((slice) => slice.name === 'event-counts')!.projections.counts!;
  projection = await startProjection(counts, backbone.runtime(), { sessionTimeoutMs: 6000 });
});
afterAll(async () => {
  await projection.stop();
  await app.close();
  await backbone.close();
});

const threadBody = (subject: unknown = 'Quarterly review') => ({
  payload: { threadId: crypto.randomUUID(), subject, createdBy: 'alice', participants: ['alice', 'bob'], scopes: [] },
});

async function post(body: unknown, headers: Record<string, string>, type = 'ThreadCreated') {
  return app.inject({ method: 'POST', url: `/v1/events/${type}`, headers, payload: body as object });
}

describe('authentication and scopes', () => {
  it('when no token, a malformed header or a bad token is sent, then 401 problem+json says why', async () => {
    const none = await post(threadBody(), {});
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tributary"');
    expect(none.json()).toMatchObject({ status: 401, code: 'unauthorized', title: 'Authentication required' });

    expect((await post(threadBody(), { authorization: 'Basic abc' })).statusCode).toBe(401);
    const expired = await post(threadBody(), await bearer(backbone, { expiresIn: '-1m' }));
    expect(expired.json()).toMatchObject({ status: 401, detail: 'the token has expired' });
    const none_alg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","org":"org-test"}').toString('base64url')}.`;
    expect((await post(threadBody(), { authorization: `Bearer ${none_alg}` })).json()).toMatchObject({
      status: 401,
      detail: 'the token is not signed with the algorithm this API accepts',
    });
  });

  it('when the token lacks the route scope, then 403 names the scope', async () => {
    const response = await post(threadBody(), await bearer(backbone, { scopes: ['events:read'] }));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: 'missing_scope',
      detail: 'the token lacks the scope events:publish',
    });
  });

  it('when any protected route of the platform or a slice is called without a token or without its scope, then 401 or 403', async () => {
    const declared = scopesOf().map((scope) => scope.name);
    const routes = app.guardedRoutes.filter((route) => !route.public);
    // The list comes from the slices: a slice's route is here because the slice is in the list.
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['POST /v1/events/:type', 'GET /v1/organizations/:organizationId/event-counts']),
    );
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      expect(route.scope, `${name} declares a scope`).toBeDefined();
      const request = {
        method: route.method as 'GET',
        url: route.url.replace(':organizationId', 'org-test').replace(/:\w+/g, 'x'),
        ...(route.method === 'GET' ? {} : { payload: {} }),
      };
      expect((await app.inject(request)).statusCode, name).toBe(401);
      const others = declared.filter((scope) => scope !== route.scope);
      const forbidden = await app.inject({ ...request, headers: await bearer(backbone, { scopes: others }) });
      expect(forbidden.json(), name).toMatchObject({ status: 403, detail: `the token lacks the scope ${route.scope}` });
      const allowed = await app.inject({ ...request, headers: await bearer(backbone, { scopes: [route.scope!] }) });
      expect([401, 403], `${name}: ${allowed.body}`).not.toContain(allowed.statusCode);
    }
  });

  it('when health, metrics and docs are asked without a token, then they answer', async () => {
    expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
    const docs = await app.inject({ url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toEqual(
      expect.arrayContaining(['/v1/events/ThreadCreated', '/v1/organizations/{organizationId}/event-counts']),
    );
  });

  it('when a request carries a token, in its header or in the websocket query, then neither the token nor the secret appears in the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await testApp(backbone, {
      logger: pino(loggerOptions({ level: 'trace', format: 'json' }), sink),
      slices,
    });
    const headers = await bearer(backbone);
    const token = headers.authorization.slice('Bearer '.length);
    // What a browser does: the credential in the query of the websocket's URL.
    await logged.inject({ method: 'GET', url: `/v1/realtime?ticket=${token}` });
    await logged.inject({ method: 'GET', url: `/v1/organizations/org-test/event-counts?token=${token}` });
    await logged.inject({ method: 'POST', url: '/v1/events/ThreadCreated', headers, payload: threadBody() });
    await logged.inject({
      method: 'POST',
      url: '/v1/events/ThreadCreated',
      headers: { authorization: `${headers.authorization}x` },
      payload: threadBody(),
    });
    await logged.close();
    const text = lines.join('');
    expect(text).toContain('ticket=[redacted]');
    expect(text).not.toContain(token);
    expect(text).not.toContain(backbone.config.auth.secret!);
  });
});

describe('correlation ids', () => {
  it('when x-correlation-id is a sensible id, then the request runs under it; when it is 10,000 characters, then 400 names the header and nothing is published', async () => {
    const headers = await bearer(backbone);
    const kept = await post({ payload: { subject: 42 } }, { ...headers, 'x-correlation-id': 'corr-abc.1' });
    expect(kept.json()).toMatchObject({ status: 400, instance: 'corr-abc.1' });

    const long = await post(threadBody(), { ...headers, 'x-correlation-id': 'x'.repeat(10_000) });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({
      code: 'validation_failed',
      errors: [
        { field: 'headers.x-correlation-id', problem: 'must be 1 to 200 printable ASCII characters (got 10000)' },
      ],
    });
    expect(long.json().instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(long.body).not.toContain('x'.repeat(201));
  });
});

describe('POST /v1/events/{type}', () => {
  it('when one event is posted, then it is published stamped with the caller organization and subject, and answered 202 with its position', async () => {
    const response = await post(
      { ...threadBody(), correlationId: 'corr-1' },
      await bearer(backbone, { subject: 'svc-billing' }),
    );
    expect(response.statusCode).toBe(202);
    const [accepted] = response.json().events;
    expect(accepted).toMatchObject({ type: 'ThreadCreated', topic: backbone.topics['messages.events'] });

    const consumer = backbone.kafka.consumer({ groupId: uniqueName('api-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: accepted.topic, fromBeginning: true });
    const event = await new Promise<unknown>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (partition === accepted.partition && message.offset === accepted.offset)
              resolve(await backbone.codec.decode(message.value));
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(event).toMatchObject({
      type: 'ThreadCreated',
      metadata: {
        eventId: accepted.eventId,
        organizationId: 'org-test',
        actor: 'svc-billing',
        environment: 'test',
        correlationId: 'corr-1',
      },
    });
  });

  it('when a sample of every ingestible event type is posted as JSON, then each is accepted; notifications and the facts Tributary records itself are refused', async () => {
    const headers = await bearer(backbone);
    for (const type of ['NotificationIssued', 'UploadCompleted', 'AttachmentDeleted'])
      expect((await post({ payload: {} }, headers, type)).json(), type).toMatchObject({
        status: 400,
        code: 'validation_failed',
      });
    for (const schema of loadEventSchemas().filter((s) => INGEST_EVENT_TYPES.includes(s.name as never))) {
      const { payload } = JSON.parse(JSON.stringify(sampleEvent(schema))) as { payload: unknown };
      const response = await post({ payload }, headers, schema.name);
      expect(response.statusCode, `${schema.name}: ${response.body}`).toBe(202);
    }
  });

  it('when payload fields are wrong, then 400 names each field, and nothing of the batch is published', async () => {
    const headers = await bearer(backbone);
    const single = await post(threadBody(42), headers);
    expect(single.statusCode).toBe(400);
    expect(single.json()).toMatchObject({
      code: 'invalid_event',
      errors: [{ field: 'body.payload.subject', problem: 'must be string (got 42)' }],
    });

    const batch = await post([threadBody(), { payload: { ...threadBody().payload, participants: 'bob' } }], headers);
    expect(batch.json().errors).toEqual([
      { field: 'body[1].payload.participants', problem: 'must be array (got "bob")' },
    ]);

    // A made-up id where the schema says uuid: refused here, not dead-lettered by every read model.
    const madeUpId = await post({ payload: { ...threadBody().payload, threadId: 'b' } }, headers);
    expect(madeUpId.statusCode).toBe(400);
    expect(madeUpId.json().errors).toEqual([{ field: 'body.payload.threadId', problem: 'must be a UUID (got "b")' }]);
    const reply = {
      threadId: crypto.randomUUID(),
      messageId: crypto.randomUUID(),
      senderId: 'alice',
      body: 'hi',
      replyToMessageId: 'b',
      sentAt: '2026-11-24T00:00:00Z',
      recipients: ['bob'],
    };
    const nullableId = await post({ payload: reply }, headers, 'MessageSent');
    expect(nullableId.json().errors).toEqual([
      { field: 'body.payload.replyToMessageId', problem: 'must be null or a UUID (got "b")' },
    ]);
  });

  it('when the body tries to set the organization, is not JSON, names an unknown type or is too large, then each gets its own 4xx', async () => {
    const headers = await bearer(backbone);
    const smuggled = await post({ ...threadBody(), organizationId: 'org-other' }, headers);
    expect(smuggled.statusCode).toBe(400);
    expect(smuggled.json().errors).toContainEqual({ field: 'body.organizationId', problem: 'is not allowed here' });

    const garbage = await app.inject({
      method: 'POST',
      url: '/v1/events/ThreadCreated',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"payload": ',
    });
    expect(garbage.json()).toMatchObject({ status: 400, code: 'malformed_json' });

    const unknown = await post(threadBody(), headers, 'ThreadExploded');
    expect(unknown.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(unknown.json().errors[0].field).toBe('params.type');

    const small = await testApp(backbone, { api: { bodyLimitBytes: 200 }, slices });
    const big = await small.inject({
      method: 'POST',
      url: '/v1/events/ThreadCreated',
      headers,
      payload: threadBody('x'.repeat(500)),
    });
    await small.close();
    expect(big.json()).toMatchObject({
      status: 413,
      code: 'body_too_large',
      detail: expect.stringContaining('200 bytes'),
    });
  });

  it('when one token goes over its rate, then it gets 429 with Retry-After while another token is unaffected', async () => {
    const limited = await testApp(backbone, { api: { rateLimitPerMinute: 2 }, slices });
    const alice = await bearer(backbone, { subject: 'alice' });
    const bob = await bearer(backbone, { subject: 'bob' });
    const send = (headers: Record<string, string>) =>
      limited.inject({ method: 'GET', url: '/v1/organizations/org-test/event-counts', headers });
    expect((await send(alice)).statusCode).toBe(200);
    expect((await send(alice)).statusCode).toBe(200);
    const third = await send(alice);
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(bob)).statusCode).toBe(200);
    await limited.close();
  });
});

describe('GET /v1/organizations/{organizationId}/event-counts', () => {
  it('when read with the position a command returned, then the answer already includes that command', async () => {
    const headers = await bearer(backbone, { organizationId: 'org-ryw' });
    const accepted = (await post([threadBody(), threadBody(), threadBody()], headers)).json();
    const read = await app.inject({
      url: `/v1/organizations/org-ryw/event-counts?after=${accepted.position}`,
      headers,
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      organizationId: 'org-ryw',
      counts: [{ eventType: 'ThreadCreated', events: 3 }],
    });
  });

  it("when another organization's counts are asked for, then 404, as if they did not exist", async () => {
    const response = await app.inject({
      url: '/v1/organizations/org-other/event-counts',
      headers: await bearer(backbone),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('when the position is garbage or past the end of its partition, then 400 invalid_position (503 is for one on its way: positions.int.spec.ts)', async () => {
    const headers = await bearer(backbone);
    expect(
      (await app.inject({ url: '/v1/organizations/org-test/event-counts?after=garbage', headers })).json(),
    ).toMatchObject({
      status: 400,
      code: 'invalid_position',
    });
    const beyond = Buffer.from(JSON.stringify({ [backbone.topics['messages.events']]: { '0': '999999999' } })).toString(
      'base64url',
    );
    const late = await app.inject({ url: `/v1/organizations/org-test/event-counts?after=${beyond}&wait=200`, headers });
    expect(late.statusCode).toBe(400);
    expect(late.headers['retry-after']).toBeUndefined();
    expect(late.json()).toMatchObject({ code: 'invalid_position' });
  });
});

describe('POST /v1/events/{type}: what is refused before anything is published', () => {
  async function recordCount(topic: string): Promise<number> {
    const admin = backbone.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  const logEntry = (organizationId: string) => ({
    payload: {
      organizationId,
      logType: 'agw',
      environment: 'test',
      server: 'agw-1',
      level: null,
      message: 'ok',
      events: [],
    },
  });

  it("when org B's token posts a LogEntry whose payload names org A, then 403 foreign_organization names the field and nothing is published; naming org B, it is accepted", async () => {
    const orgB = await bearer(backbone, { organizationId: 'org-b' });
    const topic = backbone.topics['logs.entries'];
    const before = await recordCount(topic);

    const foreign = await post(logEntry('org-a'), orgB, 'LogEntry');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['content-type']).toContain('application/problem+json');
    expect(foreign.json()).toMatchObject({
      code: 'foreign_organization',
      errors: [
        { field: 'body.payload.organizationId', problem: 'must be "org-b", the token\'s organization (got "org-a")' },
      ],
    });
    const inBatch = await post([logEntry('org-b'), logEntry('org-a')], orgB, 'LogEntry');
    expect(inBatch.statusCode).toBe(403);
    expect(inBatch.json().errors.map((e: { field: string }) => e.field)).toEqual(['body[1].payload.organizationId']);
    expect(await recordCount(topic)).toBe(before);

    const own = await post(logEntry('org-b'), orgB, 'LogEntry');
    expect(own.statusCode, own.body).toBe(202);
  });

  it('when a payload has a key its schema does not have, then 400 names it instead of dropping its value, and nothing is published', async () => {
    const headers = await bearer(backbone);
    const topic = backbone.topics['transactions.cleansed'];
    const before = await recordCount(topic);
    const response = await post(
      {
        payload: {
          accountId: 'acc-1',
          balanceMinor: 1200,
          availableBalanceMinr: 700,
          currency: 'EUR',
          asOf: '2026-11-01T10:00:00Z',
        },
      },
      headers,
      'AccountBalanceUpdated',
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'invalid_event',
      errors: [
        { field: 'body.payload.availableBalanceMinr', problem: 'is not a field of AccountBalanceUpdatedPayload' },
      ],
    });
    expect(await recordCount(topic)).toBe(before);
  });

  it("when a valid event just under the body limit is larger than its topic's max.message.bytes, then 413 event_too_large names the size, the limit and the topic, and nothing is published", async () => {
    const headers = await bearer(backbone);
    const topic = backbone.topics['logs.entries'];
    const before = await recordCount(topic);
    const limit = backbone.config.api.bodyLimitBytes;
    const skeleton = JSON.stringify(logEntry('org-test'));
    const body = logEntry('org-test');
    body.payload.message = 'x'.repeat(limit - Buffer.byteLength(skeleton) - 64);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(limit);

    const response = await post(body, headers, 'LogEntry');
    expect(response.statusCode, response.body).toBe(413);
    expect(response.json()).toMatchObject({ code: 'event_too_large', title: 'The event is too large for its topic' });
    expect(response.json().detail).toMatch(
      new RegExp(
        `^LogEntry encodes to \\d+ bytes .*; ${topic.replaceAll('.', '\\.')} takes at most 1048576 bytes \\(max\\.message\\.bytes\\)$`,
      ),
    );
    expect(await recordCount(topic)).toBe(before);
  });
});
