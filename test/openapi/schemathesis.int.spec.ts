import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonVenv } from '../../infra/stack/installers.ts';
import { StackLayout } from '../../infra/stack/layout.ts';
import type { RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import { scopesOf } from '../../slices/index.ts';
import { bearer, testApp } from '../support/api.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { eventually } from '../support/eventually.ts';
import { testConfig, uniqueName } from '../support/platform.ts';
import { isolatedSlices } from '../support/slices.ts';

const run = promisify(execFile);
/** Pinned like the interop client: the property-based checker the OpenAPI document is held to. */
const SCHEMATHESIS = 'schemathesis==4.32.5';
/** Per operation, per phase: keeps the run well under two minutes. */
const MAX_EXAMPLES = 25;
const SEED = 20261122;
const ORGANIZATION = 'org-test';
/**
 * A subject of its own: the REST subscriptions schemathesis makes are stored for the caller and
 * would reach other tests' sockets of the same subject.
 */
const SUBJECT = uniqueName('schemathesis');

/**
 * Where `positive_data_acceptance` counts a status the schema cannot promise as accepting valid
 * data, for one operation each (matched by name: schemathesis ORs `include-path` with
 * `include-method`, so a pair of them would select every GET). Every check stays on everywhere.
 */
// 404, 409 and 410 answer the state of the data (no such resource, not in a state for this, deleted
// or expired), not its shape: a schema-valid request for a deleted attachment is rightly 410.
const DEFAULT_ACCEPTED = ['2xx', '3xx', '401', '403', '404', '409', '410', '429', '5xx'];
const UPGRADE_ACCEPTED = {
  operation: 'GET /v1/realtime',
  status: '426',
  // A websocket route: over plain HTTP, all schemathesis speaks, the right answer to a valid GET
  // is 426 upgrade_required (the upgrade is tested in api/realtime); only it documents 426 (below).
};

/**
 * A cursor is opaque and MAC-bound to the caller, the listing and its filters: no schema can say
 * which strings are cursors, and one schemathesis makes up is rightly 400 invalid_cursor. The
 * listings are read from the document, so a new one is covered as it comes.
 */
function cursorListings(document: OpenApiDocument): { operation: string; status: string }[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    (operations.get?.parameters ?? []).some((parameter) => parameter.in === 'query' && parameter.name === 'cursor')
      ? [{ operation: `GET ${path}`, status: '400' }]
      : [],
  );
}

/**
 * A body with a free-form map (an object of any keys: attachment metadata, tags) may hold a key
 * with U+0000, which Postgres's jsonb cannot store, and the NUL guard rightly answers 400 naming
 * it. OpenAPI 3.0 has no keyword for what a map's keys may be (`propertyNames` is 3.1's), so the
 * document cannot say it, and schemathesis sends such a key as valid data. These operations are
 * read from the document, as the cursor listings are.
 */
function mapBodies(document: OpenApiDocument): { operation: string; status: string }[] {
  const hasMap = (schema: unknown): boolean => {
    if (!schema || typeof schema !== 'object') return false;
    const { additionalProperties } = schema as { additionalProperties?: unknown };
    if (additionalProperties === true || (additionalProperties && typeof additionalProperties === 'object'))
      return true;
    return Object.values(schema).some(hasMap);
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      hasMap(operation.requestBody) ? [{ operation: `${method.toUpperCase()} ${path}`, status: '400' }] : [],
    ),
  );
}

interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<
      string,
      {
        readonly responses?: Record<string, unknown>;
        readonly parameters?: readonly { readonly in: string; readonly name: string }[];
        readonly requestBody?: unknown;
      }
    >
  >;
}
const UPGRADE_ROUTE = { method: 'get', path: '/v1/realtime' };

/**
 * `?after=` is a position a command returned, good only for read models reading its topic: each
 * family of read routes gets one its read model has applied (made-up strings are 400, which
 * api/event-counts/positions.int.spec.ts tests).
 */
const POSITION_FAMILIES = {
  messaging: '^/v1/(organizations|threads)',
  transactions: '^/v1/accounts',
  uploads: '^/v1/attachments',
  groups: '^/v1/(groups|members)',
} as const;

let backbone: Backbone;
let app: Awaited<ReturnType<typeof testApp>>;
let projection: RunningProcessor;
let attachmentsProjection: RunningProcessor;
let membershipsProjection: RunningProcessor;
let messagingProjection: RunningProcessor;
let warehouseProjection: RunningProcessor;
let schemathesis: string;
let url: string;
let positions: Record<keyof typeof POSITION_FAMILIES, string>;
let document: OpenApiDocument;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  const slices = isolatedSlices(backbone);
  // Upload URLs it asks for go to a bucket and queue of its own, not the ones `npm start` uses.
  const storage = uniqueName('st').toLowerCase();
  const config = await testConfig({
    UPLOADS_BUCKET: `tributary-test-${storage}`,
    UPLOADS_QUEUE: `tributary-test-${storage}`,
    // Files it uploads to import land in a data-delivery bucket of its own; no worker imports them.
    IMPORTS_BUCKET: `tributary-test-${storage}-in`,
    IMPORTS_QUEUE: `tributary-test-${storage}-in`,
  });
  // A limit no generated sequence reaches, so the routes answer rather than 429.
  app = await testApp(backbone, { slices, config, api: { rateLimitPerMinute: 1_000_000 } });
  const counts = slices.find((slice) => slice.name === 'event-counts')!.projections.counts!;
  projection = await startProjection(counts, backbone.runtime(), { sessionTimeoutMs: 6000 });
  // The upload URL route answers once this read model has the attachments it reserved.
  const attachments = slices.find((slice) => slice.name === 'uploads')!.projections.attachments!;
  attachmentsProjection = await startProjection(attachments, backbone.runtime(), { sessionTimeoutMs: 6000 });
  // The groups routes read this read model's tables, which its migrations create when it starts.
  const memberships = slices.find((slice) => slice.name === 'groups')!.projections.memberships!;
  membershipsProjection = await startProjection(memberships, backbone.runtime(), { sessionTimeoutMs: 6000 });
  // The messaging routes wait for their read model to reach the pinned `?after=` position.
  const messaging = slices.find((slice) => slice.name === 'messaging')!.projections.messaging!;
  messagingProjection = await startProjection(messaging, backbone.runtime(), { sessionTimeoutMs: 6000 });
  const warehouse = slices.find((slice) => slice.name === 'transactions')!.projections.warehouse!;
  warehouseProjection = await startProjection(warehouse, backbone.runtime(), { sessionTimeoutMs: 6000 });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const bin = await pythonVenv(
    join(new StackLayout(backbone.config.stack.dir).tools, 'schemathesis-venv'),
    SCHEMATHESIS,
    'schemathesis',
  );
  schemathesis = join(bin, 'schemathesis');
  positions = await appliedPositions();
  document = (await app.inject({ url: '/docs/json' })).json<OpenApiDocument>();
}, 180_000);
afterAll(async () => {
  await projection?.stop();
  await attachmentsProjection?.stop();
  await membershipsProjection?.stop();
  await messagingProjection?.stop();
  await warehouseProjection?.stop();
  await app?.close();
  await backbone?.close();
});

/** For each family of read routes, the position of a command its read model has applied. */
async function appliedPositions(): Promise<typeof positions> {
  const headers = await bearer(backbone, {
    organizationId: ORGANIZATION,
    subject: SUBJECT,
    scopes: scopesOf().map((scope) => scope.name),
  });
  const applied = async (
    command: { url: string; payload: Record<string, unknown> },
    read: (after: string) => string,
  ) => {
    const accepted = await app.inject({ method: 'POST', headers, ...command });
    expect(accepted.statusCode, accepted.body).toBeLessThan(300);
    const { position } = accepted.json<{ position: string }>();
    await eventually(async () => {
      const answer = await app.inject({ url: `${read(position)}&wait=1000`, headers });
      expect([200, 404], answer.body).toContain(answer.statusCode);
    });
    return position;
  };
  const threadId = crypto.randomUUID();
  return {
    messaging: await applied(
      {
        url: '/v1/events/ThreadCreated',
        payload: {
          payload: { threadId, subject: 'schemathesis', createdBy: 'alice', participants: ['alice'], scopes: [] },
        },
      },
      (after) => `/v1/organizations/${ORGANIZATION}/event-counts?after=${after}`,
    ),
    transactions: await applied(
      {
        url: '/v1/events/AccountNicknameUpdated',
        payload: { payload: { accountId: 'acc-schemathesis', nickname: 'Operations', previousNickname: null } },
      },
      (after) => `/v1/accounts/acc-schemathesis?after=${after}`,
    ),
    uploads: await applied(
      { url: '/v1/uploads/urls', payload: { count: 1 } },
      (after) => `/v1/attachments?after=${after}`,
    ),
    groups: await applied(
      {
        url: '/v1/events/GroupCreated',
        payload: { payload: { groupId: crypto.randomUUID(), name: 'schemathesis', createdBy: 'alice' } },
      },
      (after) => `/v1/groups?after=${after}`,
    ),
  };
}

/**
 * schemathesis.toml: every check (what `--checks all` says), the caller's organization, a real
 * position for each family of read routes, and the statuses the schema cannot promise.
 */
function configFile(): string {
  const lines = [
    '[checks]',
    'enabled = true',
    `positive_data_acceptance.expected-statuses = [${DEFAULT_ACCEPTED.map((s) => `"${s}"`).join(', ')}]`,
    '',
    '[parameters]',
    `"path.organizationId" = "${ORGANIZATION}"`,
    ...Object.entries(POSITION_FAMILIES).flatMap(([family, pathRegex]) => [
      '',
      '[[operations]]',
      `include-path-regex = "${pathRegex}"`,
      `parameters."query.after" = "${positions[family as keyof typeof POSITION_FAMILIES]}"`,
    ]),
    ...[UPGRADE_ACCEPTED, ...cursorListings(document), ...mapBodies(document)].flatMap(({ operation, status }) => [
      '',
      '[[operations]]',
      `include-name = "${operation}"`,
      `checks.positive_data_acceptance.expected-statuses = [${[...DEFAULT_ACCEPTED, status].map((s) => `"${s}"`).join(', ')}]`,
    ]),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'schemathesis-')), 'schemathesis.toml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the OpenAPI document against the running API (schemathesis, every check)', () => {
  it('when the document is read, then only the websocket route documents 426, so no other route may answer it', () => {
    const answering426 = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.responses && '426' in operation.responses)
        .map(([method]) => ({ method, path })),
    );
    expect(answering426).toEqual([UPGRADE_ROUTE]);
  });

  it('when the document is read, then every listing with a cursor is found, so each may refuse a made-up one', () => {
    expect(cursorListings(document).map(({ operation }) => operation)).toEqual(
      expect.arrayContaining(['GET /v1/attachments', 'GET /v1/threads', 'GET /v1/groups']),
    );
  });

  it('when the document is read, then every body with a free-form map is found, so each may refuse a key holding U+0000', () => {
    expect(mapBodies(document).map(({ operation }) => operation)).toEqual(
      expect.arrayContaining(['POST /v1/uploads/urls']),
    );
    expect(mapBodies(document).map(({ operation }) => operation)).not.toContain('POST /v1/threads');
  });

  it('when schemathesis runs every check against /docs/json, then it finds no failure', async () => {
    // Every scope there is, so every operation is reached past its scope check.
    const { authorization } = await bearer(backbone, {
      organizationId: ORGANIZATION,
      subject: SUBJECT,
      scopes: scopesOf().map((scope) => scope.name),
    });
    const args = [
      '--config-file',
      configFile(),
      '--no-color',
      'run',
      `${url}/docs/json`,
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      String(SEED),
      '--continue-on-failure',
      '--header',
      `Authorization: ${authorization}`,
    ];

    // In a folder of its own: schemathesis keeps a cache where it runs.
    const cwd = mkdtempSync(join(tmpdir(), 'schemathesis-run-'));
    const result = await run(schemathesis, args, { cwd, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: unknown; stdout?: string; stderr?: string }) => {
        if (typeof error.code !== 'number') throw error; // not started, or killed by the timeout
        return { code: error.code, stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` };
      },
    );

    expect(result.code, result.stdout.slice(-20_000)).toBe(0);
  }, 930_000);
});
