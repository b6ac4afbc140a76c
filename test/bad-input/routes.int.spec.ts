import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTokens, type BadToken } from '../support/bad-input/tokens.ts';
import { probe } from '../support/bad-input/probe.ts';
import { validBodyOf, wrongBodyOf, type Operation } from '../support/bad-input/openapi-operations.ts';
import { snapshotOf } from '../support/bad-input/snapshot.ts';
import { startWorld, type World } from '../support/bad-input/world.ts';

let world: World;
let tokens: BadToken[];
let before: Map<string, string>;

beforeAll(async () => {
  world = await startWorld();
  tokens = await badTokens(world.backbone.config.auth, world.victim.organizationId);
  before = await snapshotOf(world);
}, 180_000);
afterAll(async () => {
  await world?.stop();
});

/** The victim's id for a path parameter; a parameter nobody seeded is a gap in the suite, said so. */
const victimId = (parameter: string): string => {
  const id = world.victim.ids[parameter];
  if (id === undefined)
    throw new Error(
      `no id of the victim organization for the path parameter {${parameter}}: seed one in test/support/bad-input/seed.ts`,
    );
  return id;
};

const guarded = () => world.operations.filter((operation) => operation.guarded);
const withBody = () => guarded().filter((operation) => operation.bodyType);

/** Runs every probe, then reports every operation that answered wrongly at once. */
async function each(operations: readonly Operation[], check: (operation: Operation) => Promise<string | undefined>) {
  const failures = (await Promise.all(operations.map(async (op) => [op.name, await check(op)] as const))).filter(
    ([, failure]) => failure !== undefined,
  );
  expect(failures.map(([name, failure]) => `${name}: ${failure}`)).toEqual([]);
}

describe('probes generated from /docs/json', () => {
  it('when the document is read, then it has the routes of every slice, and every route but the public ones is guarded', () => {
    expect(guarded().length).toBeGreaterThan(40);
    const open = world.operations.filter((operation) => !operation.guarded).map((operation) => operation.name);
    expect(open.sort()).toEqual(
      ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /v1/realtime', 'POST /v1/dev/tokens'].sort(),
    );
  });

  it('when a guarded operation gets no token, another scheme, garbage, an expired, forged, unsigned (alg none), HS512 or foreign-audience token, then 401 problem+json says which', async () => {
    await each(guarded(), async (operation) => {
      const wrong: string[] = [];
      for (const token of tokens) {
        const answer = await probe(world.app, operation, world.resolve, {
          ids: victimId,
          headers: token.authorization ? { authorization: token.authorization } : {},
        });
        const ok =
          answer.status === 401 &&
          String(answer.headers['content-type']).startsWith('application/problem+json') &&
          answer.headers['www-authenticate'] === 'Bearer realm="tributary"' &&
          answer.problem.code === 'unauthorized' &&
          answer.problem.detail === token.detail;
        if (!ok) wrong.push(`${token.name} -> ${answer.status} ${answer.body.slice(0, 200)}`);
      }
      return wrong.length > 0 ? wrong.join('; ') : undefined;
    });
  });

  it("when another organization's valid token names the victim's ids in the path, then 404 as if they did not exist, and no victim id comes back", async () => {
    await each(
      guarded().filter((operation) => operation.pathParameters.length > 0),
      async (operation) => {
        const answer = await probe(world.app, operation, world.resolve, {
          ids: victimId,
          headers: world.attacker.headers,
        });
        if (answer.status !== 404 || answer.problem.code !== 'not_found')
          return `${answer.status} ${answer.body.slice(0, 300)}`;
        // The 404 may name the id the caller sent; anything else of the victim's is a leak.
        return leaked(answer.body, operation.pathParameters);
      },
    );
  });

  it("when another organization lists, then none of the victim's data is in the answer", async () => {
    await each(
      guarded().filter((operation) => operation.method === 'GET' && operation.pathParameters.length === 0),
      async (operation) => {
        const answer = await probe(world.app, operation, world.resolve, {
          ids: victimId,
          headers: world.attacker.headers,
        });
        if (answer.status !== 200) return `${answer.status} ${answer.body.slice(0, 300)}`;
        return leaked(answer.body);
      },
    );
  });

  it("when another organization's body names the victim organization, then 403 foreign_organization names the field", async () => {
    const naming = withBody().filter(
      (operation) =>
        operation.bodyType === 'application/json' &&
        JSON.stringify(validBodyOf(operation, world.resolve)).includes('"organizationId"'),
    );
    expect(naming.map((operation) => operation.name)).toEqual(
      expect.arrayContaining(['POST /v1/logs', 'POST /v1/events/LogEntry']),
    );
    await each(naming, async (operation) => {
      const body = validBodyOf(operation, world.resolve, (name) =>
        name === 'organizationId' ? world.victim.organizationId : undefined,
      );
      const answer = await probe(world.app, operation, world.resolve, {
        ids: victimId,
        headers: world.attacker.headers,
        body,
      });
      if (answer.status !== 403 || answer.problem.code !== 'foreign_organization')
        return `${answer.status} ${answer.body.slice(0, 300)}`;
      return answer.problem.errors?.every((e) => e.field.endsWith('organizationId'))
        ? undefined
        : `errors ${JSON.stringify(answer.problem.errors)}`;
    });
  });

  it('when a JSON body has a field of the wrong type and a field the schema lacks, then 400 names both', async () => {
    await each(
      withBody().filter((operation) => operation.bodyType === 'application/json'),
      async (operation) => {
        const { body, wrongField, extraField } = wrongBodyOf(operation, world.resolve);
        const answer = await probe(world.app, operation, world.resolve, {
          ids: victimId,
          headers: world.attacker.headers,
          body,
        });
        const fields = (answer.problem.errors ?? []).map((e) => e.field);
        const names = (field: string | undefined) => field === undefined || fields.some((f) => f.endsWith(`.${field}`));
        if (answer.status !== 400 || !names(wrongField) || !names(extraField))
          return `${answer.status} ${answer.body.slice(0, 400)}`;
        return undefined;
      },
    );
  });

  it('when a JSON body nests 20,000 levels deep, then 400 body_too_deep, never 500', async () => {
    // 2,000 levels overflowed the stack of the checks that walk a body (found by a stranger's test).
    const deep = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    await eachJsonOperation(deep, (answer) => answer.status === 400 && answer.problem.code === 'body_too_deep');
  });

  it('when a JSON body holds a __proto__ key, then 400 forbidden_key says why, not that the JSON is invalid', async () => {
    const poisoned = '{"a":{"b":1,"__proto__":{"polluted":true}}}';
    await eachJsonOperation(
      poisoned,
      (answer) =>
        answer.status === 400 &&
        answer.problem.code === 'forbidden_key' &&
        (answer.problem.detail?.includes('__proto__') ?? false),
    );
  });

  it('when a JSON body has bytes that are not UTF-8, then 400 invalid_utf8 names their offset, rather than storing U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    await eachJsonOperation(
      body,
      (answer) =>
        answer.status === 400 &&
        answer.problem.code === 'invalid_utf8' &&
        (answer.problem.detail?.includes('offset 9') ?? false),
    );
  });

  it('when a JSON body holds a lone surrogate, then 400 names the field, rather than storing U+FFFD', async () => {
    await eachJsonOperation(
      '{"a":{"b":"x\\ud800y"}}',
      (answer) =>
        answer.status === 400 &&
        (answer.problem.errors?.some((e) => e.field === 'body.a.b' && e.problem.includes('lone surrogate')) ?? false),
    );
  });

  it('when a body is of another media type than the operation takes, then 415 names the one it takes', async () => {
    await each(withBody(), async (operation) => {
      const other = operation.bodyType === 'application/json' ? 'text/csv' : 'application/json';
      const answer = await probe(world.app, operation, world.resolve, {
        ids: victimId,
        headers: world.attacker.headers,
        body: other === 'text/csv' ? 'a,b\r\n1,2\r\n' : '{"a":1}',
        contentType: other,
      });
      return answer.status === 415 &&
        answer.problem.code === 'unsupported_media_type' &&
        answer.problem.detail?.includes(operation.bodyType!)
        ? undefined
        : `${answer.status} ${answer.body.slice(0, 300)}`;
    });
  });

  it("when the barrage is over, then every read of the victim's data answers as it did before", async () => {
    await world.caughtUp();
    expect(Object.fromEntries(await snapshotOf(world))).toEqual(Object.fromEntries(before));
  });
});

/** The victim ids an answer shows (its organization id included) besides those it was sent, as a failure, or nothing. */
function leaked(body: string, sent: readonly string[] = []): string | undefined {
  const shown = Object.entries(world.victim.ids).filter(
    ([parameter, id]) => parameter !== 'participantId' && !sent.includes(parameter) && body.includes(id),
  );
  return shown.length > 0 ? `shows ${shown.map(([p]) => p).join(', ')}: ${body.slice(0, 300)}` : undefined;
}

/** Sends `body` to every operation taking JSON, as the attacker; fails naming each whose answer is not `right`. */
async function eachJsonOperation(body: string | Buffer, right: (answer: Awaited<ReturnType<typeof probe>>) => boolean) {
  await each(
    withBody().filter((operation) => operation.bodyType === 'application/json'),
    async (operation) => {
      const answer = await probe(world.app, operation, world.resolve, {
        ids: victimId,
        headers: world.attacker.headers,
        body,
      });
      return right(answer) ? undefined : `${answer.status} ${answer.body.slice(0, 300)}`;
    },
  );
}
