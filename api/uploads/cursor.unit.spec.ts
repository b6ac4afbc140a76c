import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './attachment-routes.ts';

const cursor = { requestedAt: '2026-11-22 16:58:00.123+00', attachmentId: '6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91' };
const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('attachment cursors', () => {
  it('when a cursor the API gave comes back, then it reads as the same position', () => {
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('when a cursor is not one the API gave, then it is refused as invalid_cursor before any query', () => {
    for (const token of [
      'not base64 json',
      forged({ requestedAt: cursor.requestedAt }),
      forged([cursor.requestedAt, 'not-a-uuid']),
      forged(['2026-13-45 99:00:00+00', cursor.attachmentId]),
      forged(["2026-11-22'; drop table attachments; --", cursor.attachmentId]),
    ])
      expect(() => decodeCursor(token), token).toThrow(
        expect.objectContaining({ code: 'invalid_cursor', status: 400 }),
      );
  });
});
