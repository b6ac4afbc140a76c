import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

/** The deepest nesting a JSON body may have: far past any event's shape, far short of the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep the arrays and objects of a JSON text nest (0 for a scalar), counting brackets outside
 * strings; stops counting past `limit`. The text need not be valid JSON: the parser judges that.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
  }
  return deepest;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * JSON bodies are refused (400) past MAX_JSON_DEPTH levels, before they are parsed: every step
 * after parsing that walks a body (the NUL guard, validation, organization checks) recurses, and
 * 2,000 levels overflowed the stack as a 500. Otherwise Fastify's own parser (prototype
 * poisoning refused) does the parsing. A body whose bytes are not UTF-8 is refused too (400
 * invalid_utf8, naming the offset): decoded, they became U+FFFD and were stored so without a word.
 */
export function registerJsonDepthLimit(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    const bytes = raw as Buffer;
    const body = bytes.toString('utf8');
    const invalidAt = body.includes('\uFFFD') ? firstInvalidUtf8(bytes, body) : -1;
    if (invalidAt !== -1)
      return done(
        new ApiError(
          400,
          'invalid_utf8',
          'The body is not UTF-8',
          `the byte at offset ${invalidAt} of the body is not UTF-8 (JSON bodies are UTF-8; a replacement character would change the text without a word)`,
        ),
        undefined,
      );
    const depth = jsonDepth(body, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH)
      return done(
        new ApiError(
          400,
          'body_too_deep',
          'The body nests too deeply',
          `the body nests more than ${MAX_JSON_DEPTH} levels of arrays and objects`,
        ),
        undefined,
      );
    return parse(request, body, (error, value) => {
      if (error && validJson(body))
        // Valid JSON, refused by the parser's guard against prototype poisoning: say so.
        return done(
          new ApiError(
            400,
            'forbidden_key',
            'The body has a key that is refused',
            'a "__proto__" key, or a "constructor" object with a "prototype" key, is refused anywhere in a body (prototype poisoning)',
          ),
          undefined,
        );
      return done(error, value);
    });
  });
}

/**
 * The offset of the first byte of `bytes` that is not UTF-8 (-1: none), given their lossy decoding:
 * each bad sequence became one U+FFFD, so the first U+FFFD whose bytes are not U+FFFD's own
 * (EF BF BD, a replacement character the body really holds) is where the bad bytes start.
 */
export function firstInvalidUtf8(bytes: Buffer, decoded: string): number {
  if (isUtf8(bytes)) return -1;
  let offset = 0;
  let from = 0;
  for (let at = decoded.indexOf('\uFFFD'); at !== -1; at = decoded.indexOf('\uFFFD', at + 1)) {
    offset += Buffer.byteLength(decoded.slice(from, at));
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) return offset;
    offset += 3;
    from = at + 1;
  }
  return offset; // unreachable for bytes that are not UTF-8: each bad sequence decodes to U+FFFD
}

function validJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
