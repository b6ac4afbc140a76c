import { randomUUID } from 'node:crypto';
import { transactionsRoutes } from '../api/transactions/routes.ts';
import { ADMIN_RULES_SCOPE, READ_ACCOUNTS_SCOPE, WRITE_ACCOUNTS_SCOPE } from '../api/transactions/schemas.ts';
import type { NotificationFilters } from '../processors/realtime-relay/topics.ts';
import { cleanserWorker, loaderWorker } from '../processors/transactions/workers.ts';
import { demoTransactionsFile } from '../producers/transactions/demo-file.ts';
import { transactionsImporter } from '../producers/transactions/importer.ts';
import { transactionsWarehouse } from '../projections/transactions/projection.ts';
import type { TributaryEvent } from '../schemas/generated/events.ts';
import { demoMetadata } from './demo-metadata.ts';
import { defineSlice, type DemoContext } from './slice.ts';

const ACCOUNTS = ['acc-checking', 'acc-savings', 'acc-card'];
const PURCHASES = [
  ['POS PURCHASE STARBUCKS #1234 SEATTLE WA', '-4.75'],
  ['AMZN Mktp US*2K4RT5', '(23.99)'],
  ["TRADER JOE'S #552 PORTLAND OR", '-61.20'],
  ['SHELL OIL 57442 BEND OR', '-38.10'],
  ['ACME CORP PAYROLL PPD', '2150.00'],
] as const;

/**
 * Transactions and accounts (seed 004): raw transactions cleansed (merchant, category, minor units,
 * UTC dates, duplicates dropped, invalid ones rejected), the warehouse of transactions and account
 * balances and nicknames, the connector flow announcing new transactions per account, and paging.
 */
export const transactionsSlice = defineSlice({
  name: 'transactions',
  doc: 'Account balances, nicknames and cleansed transactions (seed 004).',
  projections: { warehouse: transactionsWarehouse },
  workers: (context) => [cleanserWorker(context), loaderWorker(context)],
  importers: [transactionsImporter],
  demoActions: demoTransactionsFile,
  routes: transactionsRoutes,
  scopes: [
    { name: READ_ACCOUNTS_SCOPE, doc: "Read the organization's accounts and their transactions." },
    { name: WRITE_ACCOUNTS_SCOPE, doc: 'Rename accounts (nicknames).' },
    {
      name: ADMIN_RULES_SCOPE,
      doc: "Read and change the organization's cleansing rules (merchant aliases, categories).",
    },
  ],
  realtime: [
    {
      name: 'account_balanceupdated',
      doc: "An account's balance changed.",
      filterKeys: ['accountId'],
      from: { AccountBalanceUpdated: (e) => ({ accountId: e.payload.accountId }) },
    },
    {
      name: 'account_nicknameupdated',
      doc: 'An account was renamed.',
      filterKeys: ['accountId'],
      from: { AccountNicknameUpdated: (e) => ({ accountId: e.payload.accountId }) },
    },
    {
      name: 'account_transactionadded',
      doc: "New transactions of an account were loaded into the warehouse (after a connector's notice).",
      filterKeys: ['accountId'],
      from: { AccountTransactionsLoaded: (e) => ({ accountId: e.payload.accountId }) },
    },
    {
      name: 'platform_account_transactionadded',
      doc: 'A connector added transactions to several accounts at once.',
      filterKeys: ['sourceSystem'],
      from: {
        AccountTransactionsAdded: (e): NotificationFilters =>
          e.payload.sourceSystem ? { sourceSystem: e.payload.sourceSystem } : {},
      },
    },
  ],
  demo: connectorDemo,
});

/**
 * What a connector does (seed 004's CDP Transfer): delivers an account's new transactions raw, then
 * says so with AccountTransactionsAdded. The cleanser, the warehouse and the loader do the rest,
 * so the dashboard shows account_balanceupdated, platform_account_transactionadded and
 * account_transactionadded as the real flow makes them.
 */
function connectorDemo(context: DemoContext): TributaryEvent[] {
  const accountId = ACCOUNTS[context.round % ACCOUNTS.length]!;
  const correlationId = randomUUID();
  const day = context.now.toISOString().slice(0, 10);
  const lines = [0, 1].map((i) => PURCHASES[(context.round * 2 + i) % PURCHASES.length]!);
  return [
    ...lines.map(([description, amount], i): TributaryEvent => ({
      type: 'TransactionIngested',
      metadata: demoMetadata(context, 'demo-connector', correlationId),
      payload: {
        accountId,
        source: 'api',
        sourceFile: null,
        lineNumber: null,
        rawAmount: amount,
        rawDate: day,
        rawDescription: description,
        rawCurrency: 'USD',
        // Unique per round and run, so the cleanser never takes a later run's lines for duplicates.
        externalTransactionId: `demo-${context.now.getTime()}-${i}`,
        rawOtherColumns: {},
      },
    })),
    {
      type: 'AccountTransactionsAdded',
      metadata: demoMetadata(context, 'demo-connector', correlationId),
      payload: { batchId: randomUUID(), accountIds: [accountId], count: lines.length, sourceSystem: 'demo-connector' },
    },
  ];
}
