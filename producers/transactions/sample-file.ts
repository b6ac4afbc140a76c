import { Readable } from 'node:stream';

const MERCHANTS = [
  ['STARBUCKS #{n} SEATTLE WA', 3, 12],
  ['SQ *BLUE BOTTLE COFFEE', 4, 9],
  ['WHOLEFDS MKT #{n}', 20, 180],
  ['TRADER JOE S #{n}', 15, 120],
  ['SHELL OIL {n}', 25, 90],
  ['UBER *TRIP', 8, 60],
  ['AMZN MKTP US*{n}', 10, 250],
  ['NETFLIX.COM', 15, 23],
  ['CITY OF SEATTLE PARKING', 2, 30],
  ['PAYPAL *EBAY', 5, 300],
] as const;

/** A deterministic pseudo-random sequence (mulberry32), so a seed always gives the same file. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleOptions {
  /** Different seeds give different files (and so different import jobs). */
  readonly seed?: number;
  readonly accounts?: number;
  /** One line in this many has a date no one can read (0: none). */
  readonly badEvery?: number;
  /** One line in this many repeats the line before it (0: none). */
  readonly duplicateEvery?: number;
}

/**
 * A realistic nightly transactions file of `lines` lines (header not counted), streamed in
 * constant memory: card purchases at chains with store numbers, payroll in, a few bad dates and
 * repeated lines, quoted descriptions. For the demo (a small file) and the benchmark (1 GB).
 */
export function transactionsSample(lines: number, options: SampleOptions = {}): Readable {
  const next = random(options.seed ?? 1);
  const accounts = options.accounts ?? 2000;
  const badEvery = options.badEvery ?? 997;
  const duplicateEvery = options.duplicateEvery ?? 499;
  const start = Date.UTC(2026, 0, 1);
  function* chunks(): Generator<string> {
    yield 'account_id,date,amount,currency,description,reference,category\n';
    let previous = '';
    let batch: string[] = [];
    for (let i = 1; i <= lines; i += 1) {
      let line: string;
      if (duplicateEvery > 0 && i % duplicateEvery === 0 && previous) line = previous;
      else {
        const account = `acc-${String(Math.floor(next() * accounts)).padStart(5, '0')}`;
        const day = new Date(start + Math.floor(next() * 300) * 86_400_000).toISOString().slice(0, 10);
        const date = badEvery > 0 && i % badEvery === 0 ? 'not-a-date' : day;
        if (next() < 0.03)
          line = `${account},${date},${(2000 + next() * 3000).toFixed(2)},USD,"PAYROLL, ACME CORP",p-${i},income`;
        else {
          const [name, low, high] = MERCHANTS[Math.floor(next() * MERCHANTS.length)]!;
          const merchant = name.replace('{n}', String(100 + Math.floor(next() * 900)));
          const amount = (low + next() * (high - low)).toFixed(2);
          line = `${account},${date},-${amount},USD,${merchant},t-${options.seed ?? 1}-${i},`;
        }
      }
      previous = line;
      batch.push(line);
      if (batch.length === 1000) {
        yield `${batch.join('\n')}\n`;
        batch = [];
      }
    }
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }
  return Readable.from(chunks(), { objectMode: false });
}
