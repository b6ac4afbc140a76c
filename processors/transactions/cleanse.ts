import { createHash } from 'node:crypto';
import type {
  TransactionCleansedPayload,
  TransactionIngested,
  TransactionRejectionReason,
} from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import { currencyExponent, currencyNamedIn, parseAmount } from './amount.ts';
import { categoryOf, merchantOf, normalizeDescription } from './merchant.ts';
import { parsePostedDate } from './posted-date.ts';
import type { CleansingRule } from './rules.ts';

/** When neither the line nor the account says which currency: the README's documented default. */
export const DEFAULT_CURRENCY = 'USD';
const MAX_DESCRIPTION = 500;

export type Cleansing =
  | { readonly ok: true; readonly payload: TransactionCleansedPayload; readonly dedupeKey: string }
  | { readonly ok: false; readonly reasons: readonly TransactionRejectionReason[] };

export interface CleansingContext {
  readonly rules: readonly CleansingRule[];
  /** The account's currency, once it has one: a line without a currency takes it, one with another is refused. */
  readonly accountCurrency: string | undefined;
}

/**
 * A raw transaction to a cleansed one, or every reason it cannot be one. Pure: the same event,
 * rules and account currency give the same result, so a redelivery recomputes the same output.
 */
export function cleanseTransaction(event: TransactionIngested, context: CleansingContext): Cleansing {
  const raw = event.payload;
  const organizationId = event.metadata.organizationId;
  const reasons: TransactionRejectionReason[] = [];
  const problem = (field: string, text: string) => reasons.push({ field, problem: text });

  if (raw.accountId.trim() === '') problem('accountId', 'missing');
  const currency = (
    raw.rawCurrency?.trim() ||
    currencyNamedIn(raw.rawAmount ?? '') ||
    context.accountCurrency ||
    DEFAULT_CURRENCY
  ).toUpperCase();
  const knownCurrency = currencyExponent(currency) !== undefined;
  if (!knownCurrency) problem('rawCurrency', `"${raw.rawCurrency}" is not an ISO 4217 currency`);
  else if (context.accountCurrency && currency !== context.accountCurrency)
    problem('rawCurrency', `${currency} is not the account's currency (${context.accountCurrency})`);

  const amount = raw.rawAmount?.trim() ? parseAmount(raw.rawAmount, currency) : undefined;
  if (!amount) problem('rawAmount', 'missing');
  else if (!amount.ok && knownCurrency) problem('rawAmount', amount.problem);

  const date = raw.rawDate?.trim() ? parsePostedDate(raw.rawDate) : undefined;
  if (!date) problem('rawDate', 'missing');
  else if (!date.ok) problem('rawDate', date.problem);

  const description = (raw.rawDescription ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_DESCRIPTION);
  const normalized = normalizeDescription(description);
  if (normalized === '') problem('rawDescription', 'missing');

  if (reasons.length > 0 || !amount?.ok || !date?.ok) return { ok: false, reasons };
  const merchant = merchantOf(normalized, context.rules, organizationId);
  const other = lowerKeys(raw.rawOtherColumns);
  const reference = other.get('reference')?.trim() || raw.externalTransactionId?.trim() || null;
  const payload: TransactionCleansedPayload = {
    transactionId: derivedEventId(event.metadata.eventId, 'transaction'),
    accountId: raw.accountId,
    amountMinor: amount.value,
    currency,
    postedOn: date.value,
    description,
    merchant,
    category: categoryOf(merchant, normalized, other.get('category'), context.rules, organizationId),
    externalTransactionId: raw.externalTransactionId,
    reference,
    sourceFile: raw.sourceFile,
    lineNumber: raw.lineNumber,
    sourceEventId: event.metadata.eventId,
  };
  return {
    ok: true,
    payload,
    dedupeKey: dedupeKey(raw.accountId, date.value, amount.value, currency, normalized, reference),
  };
}

/**
 * What makes two transactions one (the rule): same account, posting date, amount,
 * normalized description and reference. Hashed, so the table of keys stays narrow.
 */
export function dedupeKey(
  accountId: string,
  postedOn: string,
  amountMinor: number,
  currency: string,
  normalizedDescription: string,
  reference: string | null,
): string {
  return createHash('sha256')
    .update(JSON.stringify([accountId, postedOn, amountMinor, currency, normalizedDescription, reference ?? '']))
    .digest('base64url');
}

function lowerKeys(columns: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(columns).map(([key, value]) => [key.trim().toLowerCase(), value]));
}
