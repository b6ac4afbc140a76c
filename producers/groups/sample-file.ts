import { Readable } from 'node:stream';

/** Groups a sample file names: `g-0` … `g-49`; the organization must have them for the lines to apply. */
export const SAMPLE_GROUPS = 50;

/**
 * A realistic assignment file of `lines` lines, streamed (the benchmark, `tributary demo
 * --generate groups`): members drawn from a pool of 40% of the line count, so members come back
 * with repeats and contradictions, 50 groups, two adds to each remove, one line in a hundred
 * naming a group the organization lacks, one in a thousand short of a field. The same `seed`
 * gives the same file.
 */
export function assignmentSample(lines: number, seed = 0): Readable {
  const members = Math.max(1, Math.floor(lines * 0.4));
  function* text(): Generator<string> {
    let buffer = 'member_id,group_id,action\n';
    for (let i = 0; i < lines; i += 1) {
      const member = `m-${(i * 7919 + seed) % members}`;
      if (i % 1000 === 999) buffer += `${member},g-1\n`;
      else if (i % 100 === 42) buffer += `${member},g-unknown,add\n`;
      else buffer += `${member},g-${(i * 31 + seed) % SAMPLE_GROUPS},${i % 3 === 2 ? 'remove' : 'add'}\n`;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    yield buffer;
  }
  return Readable.from(text());
}
