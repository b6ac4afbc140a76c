import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, jsonDepth } from './json-depth.ts';

describe('jsonDepth', () => {
  it('when brackets nest, then it counts the deepest level, scalars being 0', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('"text"')).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}],"c":{}}')).toBe(4);
    expect(jsonDepth('[[],[],[[]]]')).toBe(3);
  });

  it('when brackets and escaped quotes are inside strings, then they are text, not nesting', () => {
    expect(jsonDepth('{"a":"[[[{{{","b":"say \\"[[\\" twice"}')).toBe(1);
    expect(jsonDepth('["\\\\",["x"]]')).toBe(2);
  });

  it('when a limit is given, then counting stops past it', () => {
    expect(jsonDepth(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 64)).toBe(65);
  });
});

describe('firstInvalidUtf8', () => {
  const offset = (bytes: Buffer) => firstInvalidUtf8(bytes, bytes.toString('utf8'));
  it('when the bytes are UTF-8, even holding U+FFFD itself, then -1', () => {
    expect(offset(Buffer.from('{"a":"Zoë \uFFFD 😀"}'))).toBe(-1);
  });
  it('when a byte is not UTF-8, or a sequence is cut short, then the offset of the first such byte', () => {
    expect(offset(Buffer.concat([Buffer.from('{"a":"Zoë'), Buffer.from([0xff]), Buffer.from('"}')]))).toBe(10);
    expect(offset(Buffer.concat([Buffer.from('ab'), Buffer.from([0xf0, 0x9f, 0x98])]))).toBe(2);
    expect(offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate encoded as UTF-8 (CESU) is not UTF-8
    // A bad sequence led by 0xEF, whose replacement character starts with the same byte.
    expect(offset(Buffer.from([0x6e, 0x61, 0xef, 0x76, 0x65]))).toBe(2); // Latin-1 "naïve"
    expect(offset(Buffer.from([0x61, 0xef, 0xbf, 0x41]))).toBe(1);
    expect(offset(Buffer.from([0x61, 0xef]))).toBe(1);
    expect(offset(Buffer.concat([Buffer.from('\uFFFD ok '), Buffer.from([0xff])]))).toBe(7);
  });
});
