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
 * Checks that cannot apply to an operation, switched off for it alone (every other check still
 * runs there, and this one everywhere else), each with why. Nothing else is ever skipped.
 */
const CHECKS_THAT_CANNOT_APPLY: readonly {
  readonly method: string;
  readonly path: string;
  readonly check: string;
  readonly why: string;
}[] = [
  {
    method: 'GET',
    path: '/v1/realtime',
    check: 'positive_data_acceptance',
    why: "a websocket route: over plain HTTP, all schemathesis speaks, the right answer to a valid GET is 426 upgrade_required, as the document says; the upgrade is tested in api/realtime. (Its expected statuses cannot be set for this one operation: schemathesis 4.32 applies an operation's expected-statuses to every operation.)",
  },
];

let backbone: Backbone;
let app: Awaited<ReturnType<typeof testApp>>;
let projection: RunningProcessor;
let attachmentsProjection: RunningProcessor;
let membershipsProjection: RunningProcessor;
let messagingProjection: RunningProcessor;
let schemathesis: string;
let url: string;
let position: string;

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
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const bin = await pythonVenv(
    join(new StackLayout(backbone.config.stack.dir).tools, 'schemathesis-venv'),
    SCHEMATHESIS,
    'schemathesis',
  );
  schemathesis = join(bin, 'schemathesis');
  position = await appliedPosition();
}, 180_000);
afterAll(async () => {
  await projection?.stop();
  await attachmentsProjection?.stop();
  await membershipsProjection?.stop();
  await messagingProjection?.stop();
  await app?.close();
  await backbone?.close();
});

/**
 * A position the read model has applied: `?after=` is an opaque token that only a command can
 * give, so the run uses a real one instead of strings that merely look like it (those are 400,
 * which api/event-counts/positions.int.spec.ts tests).
 */
async function appliedPosition(): Promise<string> {
  const headers = await bearer(backbone, { organizationId: ORGANIZATION, subject: SUBJECT });
  const accepted = await app.inject({
    method: 'POST',
    url: '/v1/events/ThreadCreated',
    headers,
    payload: {
      payload: {
        threadId: crypto.randomUUID(),
        subject: 'schemathesis',
        createdBy: 'alice',
        participants: ['alice'],
        scopes: [],
      },
    },
  });
  expect(accepted.statusCode, accepted.body).toBe(202);
  const { position: token } = accepted.json<{ position: string }>();
  await eventually(async () => {
    const read = await app.inject({
      url: `/v1/organizations/${ORGANIZATION}/event-counts?after=${token}&wait=1000`,
      headers,
    });
    expect(read.statusCode).toBe(200);
  });
  return token;
}

/**
 * schemathesis.toml: every check (what `--checks all` says, but checks named on the command line
 * would override the per-operation switches), the caller's organization and a real position, and
 * the checks that cannot apply switched off for their operations only.
 */
function configFile(): string {
  const lines = [
    '[checks]',
    'enabled = true',
    '',
    '[parameters]',
    `"path.organizationId" = "${ORGANIZATION}"`,
    `"query.after" = "${position}"`,
    ...CHECKS_THAT_CANNOT_APPLY.flatMap((known) => [
      '',
      '[[operations]]',
      `include-path = "${known.path}"`,
      `include-method = "${known.method}"`,
      `checks.${known.check}.enabled = false`,
    ]),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'schemathesis-')), 'schemathesis.toml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the OpenAPI document against the running API (schemathesis, every check)', () => {
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
    const result = await run(schemathesis, args, { cwd, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: unknown; stdout?: string; stderr?: string }) => {
        if (typeof error.code !== 'number') throw error; // not started, or killed by the timeout
        return { code: error.code, stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` };
      },
    );

    expect(result.code, result.stdout.slice(-20_000)).toBe(0);
  }, 630_000);
});
