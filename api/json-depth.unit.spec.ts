import { describe, expect, it } from 'vitest';
import { jsonDepth } from './json-depth.ts';

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
