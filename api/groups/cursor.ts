import { ApiError } from '../errors.ts';

/** Cursors are opaque to clients: base64url of the last row's sort key (seed 004's paging tokens). */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor of `arity` strings carries; 400 `invalid_cursor` for anything else. */
export function decodeCursor(token: string, arity: number): string[] {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => typeof part === 'string' && part.length > 0 && part.length <= 200)
    )
      return key as string[];
  } catch {
    // falls through to the error below
  }
  throw new ApiError(
    400,
    'invalid_cursor',
    'The cursor is not one this API gave',
    'pass the nextCursor of a page as it is',
    [{ field: 'querystring.cursor', problem: 'not a cursor from this listing' }],
  );
}
