import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { transactionsWarehouse } from './projection.ts';

type Db = Pick<pg.Pool, 'query'>;

export interface Account {
  readonly accountId: string;
  readonly nickname: string | null;
  readonly currency: string | null;
  readonly balanceMinor: number | null;
  readonly availableBalanceMinor: number | null;
  readonly balanceAsOf: Date | null;
}

export interface WarehouseTransaction {
  readonly transactionId: string;
  readonly accountId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly postedOn: string;
  readonly description: string;
  readonly merchant: string | null;
  readonly category: string | null;
  readonly externalTransactionId: string | null;
  readonly reference: string | null;
  readonly sourceFile: string | null;
  readonly lineNumber: number | null;
}

/** Where a page ends: the last row's place in the order (posted date, then id, both descending). */
export interface TransactionCursor {
  readonly postedOn: string;
  readonly transactionId: string;
}

export interface TransactionFilters {
  /** Inclusive, YYYY-MM-DD. */
  readonly from?: string;
  readonly to?: string;
  readonly category?: string;
  /** Inclusive, signed minor units. */
  readonly minAmountMinor?: number;
  readonly maxAmountMinor?: number;
  /** Words found in the description or the merchant, case-insensitive. */
  readonly text?: string;
}

export async function accountOf(
  db: Db,
  organizationId: string,
  accountId: string,
  projection: Projection = transactionsWarehouse,
): Promise<Account | undefined> {
  const { rows } = await db.query<{
    account_id: string;
    nickname: string | null;
    currency: string | null;
    balance_minor: string | null;
    available_balance_minor: string | null;
    balance_as_of: Date | null;
  }>(
    `select account_id, nickname, currency, balance_minor, available_balance_minor, balance_as_of
     from ${qualified(projection, 'accounts')} where organization_id = $1 and account_id = $2`,
    [organizationId, accountId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    accountId: row.account_id,
    nickname: row.nickname,
    currency: row.currency,
    balanceMinor: row.balance_minor === null ? null : Number(row.balance_minor),
    availableBalanceMinor: row.available_balance_minor === null ? null : Number(row.available_balance_minor),
    balanceAsOf: row.balance_as_of,
  };
}

/**
 * One page of an account's transactions, newest posted first, then by id: keyset paging, so a page
 * boundary is a place in the order, not a count of rows, and transactions arriving meanwhile never
 * shift a row into a page already read or out of one still to come.
 */
export async function transactionsOf(
  db: Db,
  organizationId: string,
  accountId: string,
  page: { readonly filters: TransactionFilters; readonly after?: TransactionCursor; readonly limit: number },
  projection: Projection = transactionsWarehouse,
): Promise<{ items: WarehouseTransaction[]; next: TransactionCursor | undefined }> {
  const params: unknown[] = [organizationId, accountId];
  // Columns qualified: in ORDER BY a bare posted_on would be the selected text, not the indexed date.
  const where = ['t.organization_id = $1', 't.account_id = $2'];
  const add = (condition: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  const { filters, after } = page;
  if (filters.from !== undefined) add((p) => `t.posted_on >= ${p}::date`, filters.from);
  if (filters.to !== undefined) add((p) => `t.posted_on <= ${p}::date`, filters.to);
  // Any case: categories are names people type (a rule may say Groceries, a caller groceries).
  if (filters.category !== undefined) add((p) => `lower(t.category) = lower(${p})`, filters.category);
  if (filters.minAmountMinor !== undefined) add((p) => `t.amount_minor >= ${p}`, filters.minAmountMinor);
  if (filters.maxAmountMinor !== undefined) add((p) => `t.amount_minor <= ${p}`, filters.maxAmountMinor);
  for (const word of (filters.text ?? '').split(/\s+/).filter(Boolean))
    add((p) => `(t.description ilike ${p} or t.merchant ilike ${p})`, `%${word.replace(/[\\%_]/g, '\\$&')}%`);
  if (after) {
    params.push(after.postedOn, after.transactionId);
    where.push(`(t.posted_on, t.transaction_id) < ($${params.length - 1}::date, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  const { rows } = await db.query<{
    transaction_id: string;
    account_id: string;
    amount_minor: string;
    currency: string;
    posted_on: string;
    description: string;
    merchant: string | null;
    category: string | null;
    external_transaction_id: string | null;
    reference: string | null;
    source_file: string | null;
    line_number: number | null;
  }>(
    `select transaction_id, account_id, amount_minor, currency, to_char(posted_on, 'YYYY-MM-DD') as posted_on,
       description, merchant, category, external_transaction_id, reference, source_file, line_number
     from ${qualified(projection, 'transactions')} t where ${where.join(' and ')}
     order by t.posted_on desc, t.transaction_id desc limit $${params.length}`,
    params,
  );
  const items = rows.slice(0, page.limit).map((r) => ({
    transactionId: r.transaction_id,
    accountId: r.account_id,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    postedOn: r.posted_on,
    description: r.description,
    merchant: r.merchant,
    category: r.category,
    externalTransactionId: r.external_transaction_id,
    reference: r.reference,
    sourceFile: r.source_file,
    lineNumber: r.line_number,
  }));
  const last = items.at(-1);
  return {
    items,
    next: rows.length > page.limit && last ? { postedOn: last.postedOn, transactionId: last.transactionId } : undefined,
  };
}
