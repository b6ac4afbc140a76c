import { describe, expect, it } from 'vitest';
import { LATEST_END, LATEST_START, withLatestTable } from './report.ts';

describe('withLatestTable', () => {
  it('when the README has the markers, then only what is between them is replaced by the new table', () => {
    const readme = `# Bench\n\nbefore\n${LATEST_START}\n\n| old |\n\n${LATEST_END}\nafter\n`;
    expect(withLatestTable(readme, '| new |\n')).toBe(
      `# Bench\n\nbefore\n${LATEST_START}\n\n| new |\n\n${LATEST_END}\nafter\n`,
    );
  });

  it('when the README has no markers, then it is left alone', () => {
    expect(withLatestTable('# no markers\n', '| new |')).toBeUndefined();
  });
});
