import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatorError } from '../infra/errors.ts';
import { makeOutDirectory } from './out-directory.ts';

describe('makeOutDirectory', () => {
  it('when the folders are missing, then each is made', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-out-'));
    makeOutDirectory(join(root, 'a', 'b'));
    expect(statSync(join(root, 'a', 'b')).isDirectory()).toBe(true);
    makeOutDirectory(join(root, 'a', 'b')); // already there: nothing to do
  });

  it('when a file stands in the path, or a folder cannot be made, then one line says which, without looping', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-out-'));
    writeFileSync(join(root, 'units'), 'a file');
    expect(() => makeOutDirectory(join(root, 'units', 'x'))).toThrow(
      new OperatorError(`--out ${join(root, 'units', 'x')}: ${join(root, 'units')} is a file, not a directory`),
    );
    // Node's recursive mkdir spun for ever on this path.
    expect(() => makeOutDirectory('/proc/nope/units')).toThrow(/--out \/proc\/nope\/units: cannot create \/proc\/nope/);
    expect(existsSync('/proc/nope')).toBe(false);
  });
});
