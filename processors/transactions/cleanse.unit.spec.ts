import { describe, expect, it } from 'vitest';
import type { TransactionIngested } from '../../schemas/generated/events.ts';
import { currencyNamedIn, parseAmount } from './amount.ts';
import { cleanseTransaction, dedupeKey } from './cleanse.ts';
import { categoryOf, merchantOf, normalizeDescription } from './merchant.ts';
import { parsePostedDate } from './posted-date.ts';
import { DEFAULT_RULES, ruleOrder, type CleansingRule } from './rules.ts';

const rules: CleansingRule[] = DEFAULT_RULES.map((r) => ({ ...r, priority: 100, organizationId: null })).sort(
  ruleOrder,
);
const merchant = (description: string, own: CleansingRule[] = []) =>
  merchantOf(normalizeDescription(description), [...own, ...rules].sort(ruleOrder), 'org-1');

function ingested(payload: Partial<TransactionIngested['payload']> = {}): TransactionIngested {
  return {
    type: 'TransactionIngested',
    metadata: {
      eventId: '6f1c1e52-8a0a-4a77-9d0e-6b3c8f7a2d91',
      occurredAt: new Date('2026-03-02T00:00:00Z'),
      organizationId: 'org-1',
      environment: 'test',
      correlationId: 'c-1',
      causationId: null,
      actor: null,
    },
    payload: {
      accountId: 'acc-1',
      source: 'csv',
      sourceFile: 'nightly.csv',
      lineNumber: 2,
      rawAmount: '-4.75',
      rawDate: '03/01/2026',
      rawDescription: 'POS PURCHASE STARBUCKS #1234 SEATTLE WA',
      rawCurrency: 'USD',
      externalTransactionId: null,
      rawOtherColumns: { Reference: 'R-1' },
      ...payload,
    },
  };
}

describe('merchant names', () => {
  it('when a description has card prefixes, store numbers, card tails and a city, then the merchant is the name alone', () => {
    expect(merchant('DEBIT CARD PURCHASE XXXX1234 CORNER BAKERY #0042 PORTLAND OR')).toBe('Corner Bakery Portland');
    expect(merchant('corner   bakery, store 17')).toBe('Corner Bakery');
  });

  it('when a description matches a known alias, then the alias names the merchant, whatever its case and punctuation', () => {
    expect(merchant('AMZN Mktp US*2K4RT5')).toBe('Amazon');
    expect(merchant("Trader Joe's #552")).toBe("Trader Joe's");
    expect(merchant('POS PURCHASE STARBUCKS #1234 SEATTLE WA')).toBe('Starbucks');
  });

  it('when a pattern is only part of a word, then it does not match', () => {
    expect(merchant('SHELLFISH SHACK')).toBe('Shellfish Shack');
  });

  it('when an organization has its own alias, then it wins over the defaults', () => {
    const own: CleansingRule = {
      kind: 'alias',
      pattern: 'STARBUCKS',
      value: 'Coffee',
      priority: 100,
      organizationId: 'org-1',
    };
    expect(merchant('STARBUCKS #1', [own])).toBe('Coffee');
  });

  it('when nothing but numbers is left, then there is no merchant', () => {
    expect(merchant('#12345 0042')).toBeNull();
  });
});

describe('categories', () => {
  it('when a rule matches the merchant or the description, then it gives the category; else the file’s own, else none', () => {
    expect(categoryOf('Starbucks', 'STARBUCKS 1', undefined, rules, 'org-1')).toBe('dining');
    expect(categoryOf(null, 'ACME PAYROLL PPD', undefined, rules, 'org-1')).toBe('income');
    expect(categoryOf('Corner Bakery', 'CORNER BAKERY', ' Food ', rules, 'org-1')).toBe('food');
    expect(categoryOf('Corner Bakery', 'CORNER BAKERY', undefined, rules, 'org-1')).toBeNull();
  });
});

describe('amounts in minor units', () => {
  it('when amounts are written as banks write them, then they read in the currency’s minor units', () => {
    expect(parseAmount('-12.50', 'USD')).toEqual({ ok: true, value: -1250 });
    expect(parseAmount('(1,234.5)', 'USD')).toEqual({ ok: true, value: -123450 });
    expect(parseAmount('12.50-', 'USD')).toEqual({ ok: true, value: -1250 });
    expect(parseAmount('$0.07', 'USD')).toEqual({ ok: true, value: 7 });
    expect(parseAmount('1200', 'JPY')).toEqual({ ok: true, value: 1200 });
    expect(parseAmount('1200.00', 'JPY')).toEqual({ ok: true, value: 1200 });
    expect(parseAmount('1.234', 'KWD')).toEqual({ ok: true, value: 1234 });
  });

  it('when an amount has more decimals than its currency, or is not a number, then it is refused with why', () => {
    expect(parseAmount('12.345', 'USD')).toEqual({ ok: false, problem: '"12.345" has 3 decimals; USD has 2' });
    expect(parseAmount('1.5', 'JPY')).toMatchObject({ ok: false });
    expect(parseAmount('twelve', 'USD')).toMatchObject({ ok: false });
    expect(parseAmount('1,23.00', 'USD')).toMatchObject({ ok: false });
  });

  it('when an amount names another currency than the line’s, carries a sign in parentheses, or is past the largest, then it is refused', () => {
    expect(parseAmount('JPY 1000', 'USD')).toEqual({ ok: false, problem: '"JPY 1000" is written in JPY, not USD' });
    expect(parseAmount('€12.50', 'USD')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('in EUR, not USD'),
    });
    expect(parseAmount('£5.00', 'USD')).toMatchObject({ ok: false });
    expect(parseAmount('JPY 1000', 'JPY')).toEqual({ ok: true, value: 1000 });
    expect(parseAmount('€12.50', 'EUR')).toEqual({ ok: true, value: 1250 });
    expect(parseAmount('$12.50', 'CAD')).toEqual({ ok: true, value: 1250 }); // $ is many currencies' sign
    expect(currencyNamedIn('£5.00')).toBe('GBP');
    expect(currencyNamedIn('5.00 jpy')).toBe('JPY');
    expect(currencyNamedIn('-5.00')).toBeUndefined();
    // Three letters that are not a code beside a number are no currency: the amount is just wrong.
    expect(currencyNamedIn('abc')).toBeUndefined();
    expect(currencyNamedIn('12.50 XYZ')).toBeUndefined();
    expect(parseAmount('abc', 'USD')).toEqual({
      ok: false,
      problem: '"abc" is not an amount (e.g. -12.50, (12.50), 1,234.56)',
    });
    expect(parseAmount('12.50 EUR', 'USD')).toMatchObject({ ok: false, problem: expect.stringContaining('in EUR') });
    expect(parseAmount('(-1.00)', 'USD')).toMatchObject({ ok: false, problem: expect.stringContaining('sign inside') });
    expect(parseAmount('90071992547409.91', 'USD')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('too large'),
    });
    expect(parseAmount('9,999,999,999,999.99', 'USD')).toEqual({ ok: true, value: 999_999_999_999_999 });
  });
});

describe('posting dates', () => {
  it('when dates come in the usual forms, then each is its UTC calendar day', () => {
    for (const raw of ['2026-03-01', '2026/3/1', '20260301', '03/01/2026', '2026-03-01 14:00', '2026-03-01T10:00:00Z'])
      expect(parsePostedDate(raw), raw).toEqual({ ok: true, value: '2026-03-01' });
    expect(parsePostedDate('2026-03-01T23:30:00-05:00')).toEqual({ ok: true, value: '2026-03-02' });
    expect(parsePostedDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parsePostedDate(' 2026-03-01 ')).toEqual({ ok: true, value: '2026-03-01' });
  });

  it('when a date is not on the calendar or not a date, then it is refused', () => {
    for (const raw of [
      '2026-02-30',
      '2025-02-29',
      '2026-00-10',
      '2026-13-01',
      '1899-12-31',
      '2026-1a-01',
      '13/01/2026',
      'yesterday',
      '2026-3',
      // An instant whose written day does not exist (a Date rolls it on to March 2), or out of the years taken.
      '2026-02-30T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '1000-01-01T00:00:00Z',
      '9999-12-31T23:00:00-05:00',
    ])
      expect(parsePostedDate(raw), raw).toMatchObject({ ok: false });
    expect(parsePostedDate('1899-12-31')).toEqual({
      ok: false,
      problem: '"1899-12-31" is outside the posting dates taken (years 1900 to 9999)',
    });
  });
});

describe('cleansing one transaction', () => {
  it('when a line is good, then it is cleansed with a transaction id derived from its event', () => {
    const result = cleanseTransaction(ingested(), { rules, accountCurrency: undefined });
    expect(result).toMatchObject({
      ok: true,
      payload: {
        accountId: 'acc-1',
        amountMinor: -475,
        currency: 'USD',
        postedOn: '2026-03-01',
        merchant: 'Starbucks',
        category: 'dining',
        reference: 'R-1',
        sourceFile: 'nightly.csv',
        lineNumber: 2,
      },
    });
    expect(cleanseTransaction(ingested(), { rules, accountCurrency: undefined })).toEqual(result);
  });

  it('when a line has several problems, then every one is a reason, naming its field', () => {
    const result = cleanseTransaction(ingested({ rawAmount: null, rawDate: '2026-02-30', rawDescription: '  ' }), {
      rules,
      accountCurrency: undefined,
    });
    expect(result).toEqual({
      ok: false,
      reasons: [
        { field: 'rawAmount', problem: 'missing' },
        { field: 'rawDate', problem: '"2026-02-30" is not a day of the calendar' },
        { field: 'rawDescription', problem: 'missing' },
      ],
    });
  });

  it('when the currency is missing, then the account’s applies; when it is another, then the line is refused', () => {
    expect(
      cleanseTransaction(ingested({ rawCurrency: null, rawAmount: '500' }), { rules, accountCurrency: 'JPY' }),
    ).toMatchObject({
      ok: true,
      payload: { currency: 'JPY', amountMinor: 500 },
    });
    expect(cleanseTransaction(ingested({ rawCurrency: 'EUR' }), { rules, accountCurrency: 'USD' })).toMatchObject({
      ok: false,
      reasons: [{ field: 'rawCurrency', problem: "EUR is not the account's currency (USD)" }],
    });
    expect(cleanseTransaction(ingested({ rawCurrency: 'XYZ1' }), { rules, accountCurrency: undefined })).toMatchObject({
      ok: false,
      reasons: [{ field: 'rawCurrency' }],
    });
  });
});

describe('the duplicate key', () => {
  it('when two lines differ only in case, spacing, punctuation or store-number spacing, then they have one key', () => {
    const one = cleanseTransaction(ingested(), { rules, accountCurrency: undefined });
    const two = cleanseTransaction(
      ingested({
        rawDescription: 'pos purchase  Starbucks #1234, Seattle WA',
        rawAmount: '(4.75)',
        rawDate: '2026-03-01',
      }),
      { rules, accountCurrency: undefined },
    );
    expect(one.ok && two.ok && one.dedupeKey === two.dedupeKey).toBe(true);
  });

  it('when the account, date, amount, description or reference differ, then the keys differ', () => {
    const base = ['acc-1', '2026-03-01', -475, 'USD', 'STARBUCKS', 'R-1'] as const;
    const key = dedupeKey(...base);
    for (let i = 0; i < base.length; i++) {
      const changed = [...base] as [string, string, number, string, string, string | null];
      changed[i] = i === 2 ? -476 : `${String(base[i])}x`;
      expect(dedupeKey(...changed)).not.toBe(key);
    }
    expect(dedupeKey('acc-1', '2026-03-01', -475, 'USD', 'STARBUCKS', null)).not.toBe(key);
  });
});
