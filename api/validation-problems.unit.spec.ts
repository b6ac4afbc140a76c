import { Type } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { fieldPath, validationProblems } from './validation-problems.ts';

/** What Fastify's own validation (its Ajv, its options) reports for `value` as the body, or as the query for `query`. */
async function problemsOf(schema: object, value: unknown, part: 'body' | 'query' = 'body') {
  // The options api/app.ts gives Fastify's Ajv.
  const app = Fastify({ ajv: { customOptions: { allErrors: true, removeAdditional: false } } });
  app.setErrorHandler((error: FastifyError, _request, reply) =>
    reply.code(400).send(validationProblems(error.validationContext ?? 'body', error.validation ?? [])),
  );
  app.post('/', { schema: { [part]: schema } }, () => 'accepted');
  const response = await app.inject(
    part === 'body'
      ? { method: 'POST', url: '/', payload: value as object }
      : { method: 'POST', url: '/', query: value as Record<string, string> },
  );
  await app.close();
  expect(response.statusCode).toBe(400);
  return response.json<{ field: string; problem: string }[]>();
}

const Entry = Type.Object({
  logType: Type.Union(['app', 'web', 'hub'].map((t) => Type.Literal(t))),
  level: Type.Union([Type.Literal('info'), Type.Literal('error'), Type.Null()]),
  server: Type.String({ minLength: 1 }),
  when: Type.Union([Type.String(), Type.Integer()]),
});
const Body = Type.Object({ entries: Type.Array(Entry) }, { additionalProperties: false });

describe('validationProblems', () => {
  it('when a value is not one of a union of literals, then one problem names the allowed values', async () => {
    const problems = await problemsOf(Body, { entries: [{ logType: 'nope', level: 'loud', server: 'a', when: 1 }] });

    expect(problems).toEqual([
      { field: 'body.entries[0].logType', problem: 'must be one of: app, web, hub' },
      { field: 'body.entries[0].level', problem: 'must be one of: info, error, null' },
    ]);
  });

  it('when a union of other shapes fails, then Ajv’s own lines are kept, each at its field', async () => {
    const problems = await problemsOf(Body, { entries: [{ logType: 'app', level: null, server: 'a', when: {} }] });

    expect(problems.map((p) => p.field)).toEqual([
      'body.entries[0].when',
      'body.entries[0].when',
      'body.entries[0].when',
    ]);
    expect(problems.map((p) => p.problem)).toEqual([
      'must be string',
      'must be integer',
      'must match a schema in anyOf',
    ]);
  });

  it('when a nullable object’s nested field fails, then that field is named, not “must be one of: null”', async () => {
    const Nullable = Type.Object({
      owner: Type.Union([Type.Object({ name: Type.String({ minLength: 2 }) }), Type.Null()]),
    });
    const problems = await problemsOf(Nullable, { owner: { name: 'x' } });

    expect(problems).toEqual([{ field: 'body.owner.name', problem: 'must NOT have fewer than 2 characters' }]);
  });

  it('when a body may be an object or an array and an object fails, then only the object’s problems are named', async () => {
    const Event = Type.Object({ type: Type.String() }, { additionalProperties: false });
    const OneOrMany = Type.Unsafe({ oneOf: [Event, Type.Array(Event)] });
    expect(await problemsOf(OneOrMany, { type: 'a', bogus: 1 })).toEqual([
      { field: 'body.bogus', problem: 'is not allowed here' },
    ]);
    expect(await problemsOf(OneOrMany, [{ type: {} }])).toEqual([{ field: 'body[0].type', problem: 'must be string' }]);
  });

  it('when no branch of a union surely took the value’s type (a const or enum branch), then every branch’s line is kept', async () => {
    const IntOrAuto = Type.Object({ n: Type.Union([Type.Integer(), Type.Literal('auto')]) });
    expect((await problemsOf(IntOrAuto, { n: 3.5 })).map((p) => p.problem)).toEqual([
      'must be integer',
      'must be equal to constant',
      'must match a schema in anyOf',
    ]);
    const IntOrEnum = Type.Object({ n: Type.Unsafe({ anyOf: [{ type: 'integer' }, { enum: ['a', 'b'] }] }) });
    expect((await problemsOf(IntOrEnum, { n: 3.5 })).map((p) => p.problem)).toContain('must be integer');
  });

  it('when a union in an array fails for several elements, then each element names only the branch its type took', async () => {
    const Xs = Type.Object({
      xs: Type.Array(Type.Union([Type.Object({ a: Type.String() }), Type.String({ minLength: 2 })])),
    });
    expect(await problemsOf(Xs, { xs: ['a', { a: {} }] })).toEqual([
      { field: 'body.xs[0]', problem: 'must NOT have fewer than 2 characters' },
      { field: 'body.xs[1].a', problem: 'must be string' },
    ]);
  });

  it('when a field is missing, extra or too short, then each problem names it the routes’ way', async () => {
    const problems = await problemsOf(Body, {
      entries: [{}, { logType: 'app', level: null, server: '', when: 1 }],
      x: 1,
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'body.entries[0].logType', problem: 'is required' },
        { field: 'body.entries[1].server', problem: 'must NOT have fewer than 1 characters' },
        { field: 'body.x', problem: 'is not allowed here' },
      ]),
    );
  });

  it('when an enum fails, then its values are listed', async () => {
    expect(await problemsOf(Type.Object({ s: Type.String({ enum: ['a', 'b'] }) }), { s: 'c' }, 'query')).toEqual([
      { field: 'querystring.s', problem: 'must be one of: a, b' },
    ]);
  });
});

describe('fieldPath', () => {
  it('when a pointer has indexes and escaped names, then they read as brackets and plain names', () => {
    expect(fieldPath('')).toBe('');
    expect(fieldPath('/entries/12/timeline/0/a~1b~0c')).toBe('.entries[12].timeline[0].a/b~c');
  });
});
