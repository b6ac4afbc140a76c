import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerProblemHandling } from './errors.ts';
import { NUL_FREE, nulFields, registerNulGuard } from './nul-guard.ts';

describe('nulFields', () => {
  it('when text anywhere holds U+0000, then each such field is named by its path', () => {
    expect(nulFields({ a: 'ok', b: ['x', 'y\u0000'], c: { d: '\u0000' } }, 'body').map((p) => p.field)).toEqual([
      'body.b[1]',
      'body.c.d',
    ]);
    expect(nulFields({ ['k\u0000']: 'v' }, 'body')[0]?.problem).toMatch(/^its name contains the NUL character/);
    expect(nulFields({ n: 1, t: true, z: null, s: 'fine' }, 'querystring')).toEqual([]);
    expect(nulFields(Buffer.from('a\u0000b'), 'body')).toEqual([]);
    expect(nulFields({ a: ['ok 😀', 'half \ud83d'], ['\udc00']: 1 }, 'body')).toEqual([
      { field: 'body.a[1]', problem: expect.stringMatching(/^contains a lone surrogate/) },
      { field: 'body.\udc00', problem: expect.stringMatching(/^its name contains a lone surrogate/) },
    ]);
  });

  it('when the documented pattern is applied, then it refuses U+0000 and nothing else', () => {
    const pattern = new RegExp(NUL_FREE);
    expect(pattern.test('dining & travel / café')).toBe(true);
    expect(pattern.test('a\u0000b')).toBe(false);
  });
});

describe('the NUL guard', () => {
  it('when a query or a path holds U+0000, then it is 400 validation_failed naming the field, and clean requests pass', async () => {
    const app = Fastify();
    registerProblemHandling(app);
    registerNulGuard(app);
    app.get('/things', async () => ({ ok: true }));
    app.get('/things/:id', async () => ({ ok: true }));

    const query = await app.inject({ url: '/things?category=%00' });
    expect(query.statusCode).toBe(400);
    expect(query.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'querystring.category', problem: expect.stringContaining('U+0000') }],
    });
    const path = await app.inject({ url: '/things/a%00b' });
    expect(path.statusCode).toBe(400);
    expect(path.json().errors).toEqual([{ field: 'params.id', problem: expect.any(String) }]);
    expect((await app.inject({ url: '/things?category=dining' })).statusCode).toBe(200);
    await app.close();
  });

  it('when a JSON body holds U+0000 in a value or a name, then it is 400 naming the field before any handler runs', async () => {
    const app = Fastify();
    registerProblemHandling(app);
    registerNulGuard(app);
    let handled = 0;
    app.post('/events', async () => ({ handled: ++handled }));

    const value = await app.inject({
      method: 'POST',
      url: '/events',
      payload: { payload: { body: ['fine', 'a\u0000b'] } },
    });
    expect(value.statusCode).toBe(400);
    expect(value.json().errors).toEqual([
      { field: 'body.payload.body[1]', problem: expect.stringContaining('U+0000') },
    ]);
    const name = await app.inject({ method: 'POST', url: '/events', payload: { tags: { ['k\u0000']: 'v' } } });
    expect(name.statusCode).toBe(400);
    expect(handled).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/events', payload: { body: 'café' } })).json()).toEqual({
      handled: 1,
    });
    await app.close();
  });
});
