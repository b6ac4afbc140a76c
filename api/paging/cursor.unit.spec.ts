import { describe, expect, it } from 'vitest';
import { CursorCodec, type CursorScope } from './cursor.ts';

const codec = new CursorCodec('a-secret-of-at-least-thirty-two-characters');
const scope: CursorScope = {
  listing: 'GET /v1/accounts/{id}/transactions',
  organizationId: 'org-1',
  parent: 'acc-1',
  filters: { category: 'dining' },
};
const position = ['2026-03-01', '6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91'] as const;
const refused = expect.objectContaining({ code: 'invalid_cursor', status: 400 });

describe('paging cursors', () => {
  it('when a cursor the API gave comes back to the same listing, then it reads as the same position', () => {
    const token = codec.encode(scope, position);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(codec.decode(scope, token, ['string', 'string'])).toEqual(position);
    expect(codec.decode(scope, codec.encode(scope, [42]), ['number'])).toEqual([42]);
  });

  it('when the position inside a cursor is altered, then it is refused', () => {
    const [, mac] = codec.encode(scope, position).split('.');
    const forged = Buffer.from(JSON.stringify(['2099-01-01', position[1]])).toString('base64url');
    expect(() => codec.decode(scope, `${forged}.${mac}`, ['string', 'string'])).toThrow(refused);
  });

  it('when a cursor is carried to another organization, account, filter or listing, then it is refused', () => {
    const token = codec.encode(scope, position);
    for (const other of [
      { ...scope, organizationId: 'org-2' },
      { ...scope, parent: 'acc-2' },
      { ...scope, filters: { category: 'fuel' } },
      { ...scope, listing: 'GET /v1/attachments' },
    ])
      expect(() => codec.decode(other, token, ['string', 'string'])).toThrow(refused);
  });

  it('when a token is not a cursor at all, or another key signed it, then it is refused', () => {
    const other = new CursorCodec('another-secret-of-thirty-two-characters!');
    for (const token of [
      '',
      'not a cursor',
      'abc.def',
      '.'.repeat(30),
      'x'.repeat(2000),
      other.encode(scope, position),
    ])
      expect(() => codec.decode(scope, token, ['string', 'string']), token).toThrow(refused);
  });

  it('when a signed position has other types than the listing expects, then it is refused', () => {
    expect(() => codec.decode(scope, codec.encode(scope, [1, 2]), ['string', 'string'])).toThrow(refused);
    expect(() => codec.decode(scope, codec.encode(scope, ['a']), ['string', 'string'])).toThrow(refused);
  });
});
