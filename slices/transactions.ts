import { randomUUID } from 'node:crypto';
import type { NotificationFilters } from '../processors/realtime-relay/topics.ts';
import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

const ACCOUNTS = ['acc-checking', 'acc-savings', 'acc-card'];

/** Transactions and accounts (seed 004): the realtime account events so far; ingestion, cleansing and the warehouse come next. */
export const transactionsSlice = defineSlice({
  name: 'transactions',
  doc: 'Account balances, nicknames and cleansed transactions (seed 004).',
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
      doc: 'A cleansed transaction was added to an account.',
      filterKeys: ['accountId'],
      from: { TransactionCleansed: (e) => ({ accountId: e.payload.accountId }) },
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
  demo(context) {
    const accountId = ACCOUNTS[context.round % ACCOUNTS.length]!;
    const amountMinor = -((context.round * 731) % 9000) - 100;
    const transactionId = randomUUID();
    return [
      {
        type: 'TransactionCleansed',
        metadata: demoMetadata(context, 'demo-connector'),
        payload: {
          transactionId,
          accountId,
          amountMinor,
          currency: 'USD',
          postedOn: context.now.toISOString().slice(0, 10),
          description: `CARD PURCHASE ${context.round}`,
          merchant: ['Corner Coffee', 'Grocer & Co', 'Metro Transit'][context.round % 3]!,
          category: ['dining', 'groceries', 'transport'][context.round % 3]!,
          externalTransactionId: null,
          sourceEventId: randomUUID(),
        },
      },
      {
        type: 'AccountBalanceUpdated',
        metadata: demoMetadata(context, 'demo-connector'),
        payload: {
          accountId,
          balanceMinor: 250_000 + amountMinor * context.round,
          availableBalanceMinor: null,
          currency: 'USD',
          asOf: context.now,
        },
      },
    ];
  },
});
