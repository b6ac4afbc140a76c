/** The columns a transactions file is read by, found by their header names. */
export interface TransactionColumns {
  readonly accountId: number;
  readonly date: number;
  readonly amount: number;
  readonly description: number;
  readonly currency: number | null;
  readonly reference: number | null;
  /** Every other column, by its header as written: kept on the event (a `category` there is a hint to the cleanser). */
  readonly others: readonly { readonly index: number; readonly name: string }[];
  readonly count: number;
  /** Each column's name as a report names it: the documented one for those above, else the header as written. */
  readonly names: readonly string[];
}

/** What each column may be called: the first name is the one the README documents. */
const NAMES = {
  accountId: ['account_id', 'account', 'account_number'],
  date: ['date', 'posted_date', 'posted_on', 'posting_date', 'transaction_date'],
  amount: ['amount'],
  description: ['description', 'memo', 'narrative'],
  currency: ['currency'],
  reference: ['reference', 'external_id', 'transaction_id'],
} as const;

const REQUIRED = ['accountId', 'date', 'amount', 'description'] as const;

/** `Account ID`, `account-id` and `account_id` are one name. */
export function normalizeHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/**
 * The columns of a transactions file from its header, or why the file cannot be read at all:
 * a required column missing (named, with the columns the file has), or one named twice (by one
 * name, or by two of its names).
 */
export function transactionColumns(header: readonly string[]): TransactionColumns | { readonly problem: string } {
  const normalized = header.map(normalizeHeader);
  const seen = new Map<string, number>();
  for (const [index, name] of normalized.entries()) {
    if (name === '') continue;
    if (seen.has(name)) return { problem: `the header names the column ${header[index]} twice` };
    seen.set(name, index);
  }
  // Two names of one field (`account_id` and `account`): which holds it is a guess, so neither is taken.
  for (const field of Object.keys(NAMES) as (keyof typeof NAMES)[]) {
    const both = NAMES[field].filter((name) => seen.has(name));
    if (both.length > 1)
      return {
        problem: `the header names the ${REPORTED[field]} column twice, as ${both.map((name) => header[seen.get(name)!]!.trim()).join(' and ')}; keep one`,
      };
  }
  const find = (field: keyof typeof NAMES): number | null => {
    for (const name of NAMES[field]) {
      const index = seen.get(name);
      if (index !== undefined) return index;
    }
    return null;
  };
  const found = Object.fromEntries((Object.keys(NAMES) as (keyof typeof NAMES)[]).map((f) => [f, find(f)])) as Record<
    keyof typeof NAMES,
    number | null
  >;
  const missing = REQUIRED.filter((field) => found[field] === null).map((field) => NAMES[field][0]);
  if (missing.length > 0)
    return {
      problem: `the file lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; its header has ${header.map((h) => JSON.stringify(h)).join(', ')} (required: account_id, date, amount, description; optional: currency, reference, and any others)`,
    };
  const used = new Set(Object.values(found).filter((index): index is number => index !== null));
  const names = header.map((name) => name.trim());
  for (const field of Object.keys(NAMES) as (keyof typeof NAMES)[])
    if (found[field] !== null) names[found[field]] = REPORTED[field];
  return {
    accountId: found.accountId!,
    date: found.date!,
    amount: found.amount!,
    description: found.description!,
    currency: found.currency,
    reference: found.reference,
    others: header
      .map((name, index) => ({ index, name: name.trim() }))
      .filter(({ index, name }) => !used.has(index) && name !== ''),
    count: header.length,
    names,
  };
}

/** The names reports give the known columns (validateLine's, e.g. `account_id`). */
const REPORTED: Record<keyof typeof NAMES, string> = {
  accountId: 'account_id',
  date: 'date',
  amount: 'amount',
  description: 'description',
  currency: 'currency',
  reference: 'reference',
};
