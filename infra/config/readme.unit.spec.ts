import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { variables } from './variables.ts';

describe('the README configuration table', () => {
  it('when a variable exists in the configuration module, then the README documents it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([A-Z0-9_]+)` +\|/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(variables));
  });
});
