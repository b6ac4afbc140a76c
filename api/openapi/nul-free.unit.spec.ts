import { describe, expect, it } from 'vitest';
import { NUL_FREE } from '../nul-guard.ts';
import { nulFreeBody, nulFreeSchema } from './nul-free.ts';

// Documented schemas are plain JSON: read them as such.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('nulFreeSchema', () => {
  it('when a body nests free texts in objects, arrays, unions and maps, then each says it holds no U+0000', () => {
    const schema = nulFreeSchema({
      type: 'object',
      properties: {
        body: { type: 'string' },
        tags: { type: 'object', additionalProperties: { type: 'string' } },
        items: { type: 'array', items: { type: 'object', properties: { note: { type: ['string', 'null'] } } } },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        id: { type: 'string', format: 'uuid' },
        kind: { type: 'string', enum: ['a', 'b'] },
        code: { type: 'string', pattern: '^[a-z]+$' },
      },
    }) as { properties: Record<string, Json> };
    const { properties: p } = schema;
    expect(p.body.pattern).toBe(NUL_FREE);
    expect(p.tags.additionalProperties.pattern).toBe(NUL_FREE);
    expect(p.tags.propertyNames).toEqual({ pattern: NUL_FREE });
    expect(p.items.items.properties.note.pattern).toBe(NUL_FREE);
    expect(p.either.anyOf[0].pattern).toBe(NUL_FREE);
    expect(p.either.anyOf[1].pattern).toBeUndefined();
    expect(p.id.pattern).toBeUndefined();
    expect(p.kind.pattern).toBeUndefined();
    expect(p.code.pattern).toBe('^[a-z]+$');
  });

  it('when a body is documented per media type, then each media type schema is made NUL-free and binary files are left alone', () => {
    const body = nulFreeBody({
      content: {
        'application/json': { schema: { type: 'object', properties: { q: { type: 'string' } } } },
        'text/csv': { schema: { type: 'string', format: 'binary' } },
      },
    }) as { content: Record<string, { schema: Json }> };
    expect(body.content['application/json']!.schema.properties.q.pattern).toBe(NUL_FREE);
    expect(body.content['text/csv']!.schema.pattern).toBeUndefined();
  });
});
