import { describe, expect, it } from 'vitest';
import { transactionColumns, type TransactionColumns } from './columns.ts';
import { validateLine } from './validate-line.ts';

const columns = transactionColumns([
  'Account ID',
  'Posted-Date',
  'Amount',
  'Currency',
  'Memo',
  'Reference',
  'Category',
]);

describe('transactionColumns', () => {
  it('when the header uses other spellings and aliases, then each column is found and the rest kept as others', () => {
    expect(columns).toMatchObject({
      accountId: 0,
      date: 1,
      amount: 2,
      currency: 3,
      description: 4,
      reference: 5,
      count: 7,
    });
    expect((columns as TransactionColumns).others).toEqual([{ index: 6, name: 'Category' }]);
  });

  it('when required columns are missing, then the problem names them and the header the file has', () => {
    expect(transactionColumns(['account_id', 'when', 'value', 'description'])).toEqual({
      problem:
        'the file lacks the columns date, amount; its header has "account_id", "when", "value", "description" (required: account_id, date, amount, description; optional: currency, reference, and any others)',
    });
  });

  it('when a column is named twice, then the file is refused', () => {
    expect(transactionColumns(['account_id', 'date', 'amount', 'Amount', 'description'])).toEqual({
      problem: 'the header names the column Amount twice',
    });
    // Two names of one column: which one holds the account would be a guess.
    expect(transactionColumns(['account_id', 'Account', 'date', 'amount', 'description'])).toEqual({
      problem: 'the header names the account_id column twice, as account_id and Account; keep one',
    });
  });
});

describe('validateLine', () => {
  const read = (fields: string[]) => validateLine(fields, 7, columns as TransactionColumns);

  it('when a cell is longer than 1,000 characters, then the problem names its column, a known one or another', () => {
    const long = 'x'.repeat(1001);
    expect(read(['acc-1', '2026-03-01', '1.00', 'USD', long, 'r-1', 'dining'])).toMatchObject({
      ok: false,
      problems: [{ lineNumber: 7, column: 'description', reason: 'cell 5 is longer than 1000 characters' }],
    });
    expect(read(['acc-1', '2026-03-01', '1.00', 'USD', 'ok', 'r-1', long])).toMatchObject({
      ok: false,
      problems: [{ column: 'Category' }],
    });
  });

  it('when a line is good, then it becomes a raw line with its cells as written and its other columns kept', () => {
    const line = read(['acc-1', '2026-03-01', '(12.50)', 'usd', 'STARBUCKS #12', 'r-1', 'dining']);
    expect(line).toMatchObject({
      ok: true,
      line: {
        lineNumber: 7,
        accountId: 'acc-1',
        rawAmount: '(12.50)',
        rawDate: '2026-03-01',
        rawDescription: 'STARBUCKS #12',
        rawCurrency: 'USD',
        externalTransactionId: 'r-1',
        rawOtherColumns: { Category: 'dining' },
      },
    });
  });

  it('when two lines differ only in spacing and case of the description, then their fingerprints are equal', () => {
    const a = read(['acc-1', '2026-03-01', '-12.50', 'USD', 'Starbucks  #12', 'r-1', '']);
    const b = read(['acc-1', '03/01/2026', '-12.5', 'USD', 'STARBUCKS #12', 'r-1', '']);
    expect(a.ok && b.ok && a.fingerprint === b.fingerprint).toBe(true);
    const c = read(['acc-1', '2026-03-01', '-12.51', 'USD', 'Starbucks  #12', 'r-1', '']);
    expect(a.ok && c.ok && a.fingerprint !== c.fingerprint).toBe(true);
  });

  it('when cells are wrong, then every problem is reported with its column', () => {
    const line = read(['', 'someday', '=1+2', 'XYZ', ' ', '', '']);
    expect(line.ok).toBe(false);
    expect(!line.ok && line.problems.map((p) => p.column)).toEqual(['account_id', 'currency', 'date', 'description']);
  });

  it('when the amount has more decimals than its currency, then the amount is refused', () => {
    const line = read(['acc-1', '2026-03-01', '12.345', 'USD', 'X', '', '']);
    expect(!line.ok && line.problems.map((p) => p.column)).toEqual(['amount']);
  });

  it('when a line has too few cells, then it is refused as a whole line', () => {
    const line = read(['acc-1', '2026-03-01']);
    expect(line).toEqual({
      ok: false,
      problems: [{ lineNumber: 7, column: null, reason: 'has 2 cells where the header has 7' }],
    });
  });
});
