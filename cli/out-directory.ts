import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OperatorError } from '../infra/errors.ts';

/**
 * Makes the directory an `--out` option names, one level at a time, and says in one line what
 * stands in the way (a file in the path, a folder it cannot create). Node's recursive mkdir
 * looped for ever, at full CPU, on a path it cannot create such as `/proc/nope`.
 */
export function makeOutDirectory(path: string, option = '--out'): void {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    const found = kindOf(at);
    if (found === 'directory') break;
    if (found === 'other') throw new OperatorError(`${option} ${path}: ${at} is a file, not a directory`);
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new OperatorError(`${option} ${path}: cannot create ${folder} (${code})`);
    }
  }
}

function kindOf(path: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}
