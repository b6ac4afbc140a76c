import { currencyExponent, currencyNamedIn, parseAmount } from '../../processors/transactions/amount.ts';
import { normalizeDescription } from '../../processors/transactions/merchant.ts';
import { parsePostedDate } from '../../processors/transactions/posted-date.ts';
import type { IngestedLine } from '../../schemas/generated/events.ts';
import type { RejectedLine } from '../../slices/slice.ts';
import type { TransactionColumns } from './columns.ts';
import { lineFingerprint } from './repeated-lines.ts';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const MAX_CELL = 1000;
// With no currency on the line the account's applies later: the amount is checked for its shape
// against the largest minor unit in use (3 decimals); the cleanser checks it against the account's.
const SHAPE_CURRENCY = 'KWD';

export type ValidatedLine =
  | { readonly ok: true; readonly line: IngestedLine; readonly fingerprint: number }
  | { readonly ok: false; readonly problems: readonly RejectedLine[] };

/**
 * One line of a transactions file checked the way a person would want to hear about it: which
 * column, and what is wrong with it. A good line becomes a line of the raw chunk event (cells as
 * written; the cleanser converts them); the fingerprint of what the cleanser's dedupe compares (account, date,
 * amount, normalized description, reference) lets the importer count repeated lines.
 */
export function validateLine(
  fields: readonly string[],
  lineNumber: number,
  columns: TransactionColumns,
): ValidatedLine {
  // No closures here: the runtime wraps each one made per call, and this runs for every line.
  const problems: RejectedLine[] = [];
  if (fields.length !== columns.count) {
    problems.push({
      lineNumber,
      column: null,
      reason: `has ${fields.length} cells where the header has ${columns.count}`,
    });
    return { ok: false, problems };
  }
  for (let index = 0; index < fields.length; index += 1)
    if (fields[index]!.length > MAX_CELL)
      problems.push({
        lineNumber,
        column: columns.names[index] || null,
        reason: `cell ${index + 1} is longer than ${MAX_CELL} characters`,
      });

  const accountId = cellOf(fields, columns.accountId);
  if (accountId === '') problems.push({ lineNumber, column: 'account_id', reason: 'is blank' });
  else if (!ACCOUNT_ID.test(accountId))
    problems.push({
      lineNumber,
      column: 'account_id',
      reason: 'must be letters, digits, ".", "_", ":" or "-", at most 100',
    });

  const currency = cellOf(fields, columns.currency).toUpperCase();
  if (currency !== '' && currencyExponent(currency) === undefined)
    problems.push({ lineNumber, column: 'currency', reason: `"${currency}" is not an ISO 4217 currency code` });

  const rawAmount = cellOf(fields, columns.amount);
  let amount = rawAmount === '' ? undefined : parseAmount(rawAmount, currency || SHAPE_CURRENCY);
  // No currency column: an amount naming its own (`JPY 1000`) is checked in it, not in the placeholder.
  const named = amount && !amount.ok && currency === '' ? currencyNamedIn(rawAmount) : undefined;
  if (named) amount = parseAmount(rawAmount, named);
  if (!amount) problems.push({ lineNumber, column: 'amount', reason: 'is blank' });
  else if (!amount.ok && (currency === '' || currencyExponent(currency) !== undefined))
    problems.push({ lineNumber, column: 'amount', reason: amount.problem });

  const rawDate = cellOf(fields, columns.date);
  const date = rawDate === '' ? undefined : parsePostedDate(rawDate);
  if (!date) problems.push({ lineNumber, column: 'date', reason: 'is blank' });
  else if (!date.ok) problems.push({ lineNumber, column: 'date', reason: date.problem });

  const description = cellOf(fields, columns.description);
  const normalized = normalizeDescription(description);
  if (normalized === '') problems.push({ lineNumber, column: 'description', reason: 'is blank' });

  if (problems.length > 0 || !amount?.ok || !date?.ok) return { ok: false, problems };
  const reference = cellOf(fields, columns.reference) || null;
  const rawOtherColumns: Record<string, string> = {};
  for (const { index, name } of columns.others) rawOtherColumns[name] = fields[index] ?? '';
  return {
    ok: true,
    line: {
      lineNumber,
      accountId,
      rawAmount,
      rawDate,
      rawDescription: description,
      rawCurrency: currency || null,
      externalTransactionId: reference,
      rawOtherColumns,
    },
    fingerprint: lineFingerprint(
      `${accountId}\u0000${date.value}\u0000${amount.value}\u0000${currency}\u0000${normalized}\u0000${reference ?? ''}`,
    ),
  };
}

function cellOf(fields: readonly string[], index: number | null): string {
  return index === null ? '' : (fields[index] ?? '').trim();
}
