import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, testApp } from '../support/api.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import {
  operationsOf,
  resolverOf,
  wrongBodyOf,
  type OpenApiDocument,
  type Operation,
} from '../support/bad-input/openapi-operations.ts';
import { probe, type ProbeAnswer } from '../support/bad-input/probe.ts';
import { ALL_SCOPES, type App } from '../support/bad-input/world.ts';
import { isolatedSlices } from '../support/slices.ts';

/** Small limits, so a flood is two requests and an oversized body is a few kilobytes. */
const RATE_PER_MINUTE = 1;
const BODY_LIMIT = 2048;

let backbone: Backbone;
let app: App;
let operations: Operation[];
let resolve: ReturnType<typeof resolverOf>;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  app = await testApp(backbone, {
    slices: isolatedSlices(backbone),
    api: { rateLimitPerMinute: RATE_PER_MINUTE, bodyLimitBytes: BODY_LIMIT },
  });
  const document = (await app.inject({ url: '/docs/json' })).json<OpenApiDocument>();
  operations = operationsOf(document);
  resolve = resolverOf(document);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await backbone?.close();
});

const unknownId = () => 'probe-unknown-id';
const guarded = () => operations.filter((operation) => operation.guarded);
const isProblem = (answer: ProbeAnswer, status: number, code: string) =>
  answer.status === status &&
  String(answer.headers['content-type']).startsWith('application/problem+json') &&
  answer.problem.code === code;

/** A caller of its own per test and operation: each starts from a fresh budget. */
const caller = (operation: Operation, test: string) =>
  bearer(backbone, { organizationId: 'org-flood', subject: `${test}-${operation.name}`, scopes: ALL_SCOPES });

async function each(operations: readonly Operation[], check: (operation: Operation) => Promise<string | undefined>) {
  const failures: string[] = [];
  for (const operation of operations) {
    const failure = await check(operation);
    if (failure) failures.push(`${operation.name}: ${failure}`);
  }
  expect(failures).toEqual([]);
}

describe('floods past the rate limits', () => {
  it('when the document is read, then every guarded operation is rate limited (429 is documented)', () => {
    expect(
      guarded()
        .filter((op) => !op.statuses.includes('429'))
        .map((op) => op.name),
    ).toEqual([]);
  });

  it('when one caller floods an operation, even with bodies it would refuse, then the request past the limit is 429 problem+json with Retry-After', async () => {
    await each(
      guarded().filter((operation) => operation.statuses.includes('429')),
      async (operation) => {
        const headers = await caller(operation, 'flood');
        // Bodies it refuses (400) still count: a flood of bad requests is a flood.
        const body = operation.bodyType === 'application/json' ? wrongBodyOf(operation, resolve).body : undefined;
        const answers: ProbeAnswer[] = [];
        for (let i = 0; i <= RATE_PER_MINUTE; i += 1)
          answers.push(await probe(app, operation, resolve, { ids: unknownId, headers, body }));
        const last = answers.at(-1)!;
        if (!isProblem(last, 429, 'rate_limited')) return `${answers.map((a) => a.status).join(', ')}: ${last.body}`;
        const retryAfter = Number(last.headers['retry-after']);
        return retryAfter >= 1 && retryAfter <= 60 ? undefined : `Retry-After ${last.headers['retry-after']}`;
      },
    );
  });
});

describe('hostile JSON', () => {
  it('when a JSON body carries __proto__ or constructor.prototype, or nests a thousand levels deep, then every operation answers 400, never 500', async () => {
    const deep = `${'['.repeat(1000)}${']'.repeat(1000)}`;
    await each(
      guarded().filter((operation) => operation.bodyType === 'application/json'),
      async (operation) => {
        const wrong: string[] = [];
        for (const body of [
          '{"__proto__":{"isAdmin":true}}',
          '{"constructor":{"prototype":{"isAdmin":true}}}',
          `{"payload":${deep}}`,
        ]) {
          const answer = await probe(app, operation, resolve, {
            ids: unknownId,
            headers: await caller(operation, `json-${wrong.length}-${body.length}`),
            body,
          });
          if (answer.status !== 400 || !String(answer.headers['content-type']).startsWith('application/problem+json'))
            wrong.push(`${body.slice(0, 30)} -> ${answer.status} ${answer.body.slice(0, 200)}`);
        }
        return wrong.length > 0 ? wrong.join('; ') : undefined;
      },
    );
  });
});

describe('oversized bodies and headers', () => {
  it('when a body is over the limit, then every operation taking one documents 413 and answers 413 body_too_large before reading it', async () => {
    const withBody = guarded().filter((operation) => operation.bodyType);
    expect(withBody.filter((op) => !op.statuses.includes('413')).map((op) => op.name)).toEqual([]);
    await each(withBody, async (operation) => {
      const big = 'x'.repeat(BODY_LIMIT + 1);
      const body = operation.bodyType === 'application/json' ? JSON.stringify({ big }) : `a,b\r\n${big},1\r\n`;
      const answer = await probe(app, operation, resolve, {
        ids: unknownId,
        headers: await caller(operation, 'oversized'),
        body,
      });
      // A file import's 413 says where a larger file goes.
      const pointsOn = operation.bodyType !== 'text/csv' || answer.body.includes('data-delivery bucket');
      return isProblem(answer, 413, 'body_too_large') && pointsOn
        ? undefined
        : `${answer.status} ${answer.body.slice(0, 300)}`;
    });
  });

  it('when the headers are over what the server reads (a huge token, a huge cookie), then 431 problem+json, and a long but readable token is 401', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(url);
    const raw = (header: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET /v1/threads HTTP/1.1\r\nHost: x\r\n${header}\r\nConnection: close\r\n\r\n`),
        );
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });
    for (const header of [`Authorization: Bearer ${'a'.repeat(40_000)}`, `Cookie: session=${'c'.repeat(40_000)}`]) {
      const answer = await raw(header);
      expect(answer).toMatch(/^HTTP\/1.1 431 /);
      expect(answer).toContain('"code":"headers_too_large"');
    }
    const long = await raw(`Authorization: Bearer ${'a'.repeat(4000)}.${'b'.repeat(2000)}.c`);
    expect(long).toMatch(/^HTTP\/1.1 401 /);
    expect(long).toContain('"detail":"the token is malformed"');
  });
});
