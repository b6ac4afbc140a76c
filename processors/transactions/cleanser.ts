import type { Publisher } from '../../producers/publisher.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { EventMetadata, TransactionIngested, TributaryEvent } from '../../schemas/generated/events.ts';
import { derivedEventId } from '../runtime/derived-id.ts';
import type { CheckpointedProcessor } from '../runtime/processor.ts';
import { cleanseTransaction, type Cleansing } from './cleanse.ts';
import { linesOf } from './lines-of.ts';
import { accountKey, accountsFor, knownKeys, rulesFor, saveAccounts, saveKeys, type AccountState } from './state.ts';

export interface CleanserOptions {
  readonly name?: string;
  readonly topics?: readonly string[];
  /** The Postgres schema of its rules, duplicate keys and balances (tests use their own). */
  readonly schema: string;
}

/** What the cleanser decided for one batch, for its log line and the tests. */
export interface CleanserOutcome {
  readonly cleansed: number;
  readonly rejected: number;
  readonly duplicates: number;
}

/**
 * TransactionIngested -> TransactionCleansed or TransactionRejected, duplicates dropped, and one
 * AccountBalanceUpdated per account whose balance the batch changed. An importer's chunk
 * (TransactionsIngested) is read as the TransactionIngested events its lines stand for, with the
 * ids they would have had, so its outputs are the same as for the lines published one by one.
 *
 * Checkpointed: the duplicate keys and balances are written in the transaction that advances the
 * checkpoint. It publishes inside that transaction, before the commit: every output id derives
 * from its input (the balance's from the last transaction that changed it), so if the commit then
 * fails, the redelivery computes the same outputs from the same state and the copies are dropped
 * downstream by id. Balances are cumulative over cleansed, non-duplicate transactions.
 */
export function transactionsCleanser(publisher: Publisher, options: CleanserOptions): CheckpointedProcessor {
  return {
    name: options.name ?? 'transactions-cleanser.v1',
    // The importer's chunks (TransactionsIngested) are on the same topic.
    topics: options.topics ?? [EVENT_ROUTES.TransactionIngested.topic],
    mode: 'checkpointed',
    schema: options.schema,
    // transactions.raw is written at least once (an importer rerun republishes the same ids).
    dedupeByEventId: true,
    async handle(events, { tx, logger }) {
      const ingested = events.flatMap((e) => linesOf(e.event));
      if (ingested.length === 0) return;
      const pairs = unique(ingested.map((e) => [e.metadata.organizationId, e.payload.accountId] as const));
      const rules = await rulesFor(tx, [...new Set(pairs.map((p) => p[0]))]);
      const accounts = await accountsFor(tx, pairs);

      // First pass, in order: an account's first accepted transaction gives it its currency.
      const currencies = new Map([...accounts].map(([key, state]) => [key, state.currency]));
      const results = ingested.map((event) => {
        const key = accountKey(event.metadata.organizationId, event.payload.accountId);
        const result = cleanseTransaction(event, { rules, accountCurrency: currencies.get(key) });
        if (result.ok && !currencies.has(key)) currencies.set(key, result.payload.currency);
        return { event, key, result };
      });
      const seen = await knownKeys(
        tx,
        results.flatMap(({ event, result }) => (result.ok ? [[event.metadata.organizationId, result.dedupeKey]] : [])),
      );

      const outputs: TributaryEvent[] = [];
      const newKeys: { organizationId: string; dedupeKey: string; transactionId: string }[] = [];
      const changed = new Map<string, { state: AccountState; last: TransactionIngested }>();
      let duplicates = 0;
      for (const { event, key, result } of results) {
        if (!result.ok) {
          outputs.push(rejected(event, result));
          continue;
        }
        const organizationId = event.metadata.organizationId;
        const dedupe = accountKey(organizationId, result.dedupeKey);
        if (seen.has(dedupe)) {
          duplicates += 1;
          continue;
        }
        const state = changed.get(key)?.state ??
          accounts.get(key) ?? { currency: result.payload.currency, balanceMinor: 0 };
        const balance = state.balanceMinor + result.payload.amountMinor;
        if (Math.abs(balance) > MAX_BALANCE_MINOR) {
          outputs.push(
            rejected(event, { ok: false, reasons: [{ field: 'rawAmount', problem: balanceTooLarge(balance) }] }),
          );
          continue;
        }
        seen.add(dedupe);
        newKeys.push({ organizationId, dedupeKey: result.dedupeKey, transactionId: result.payload.transactionId });
        outputs.push({ type: 'TransactionCleansed', metadata: derived(event, 'cleansed'), payload: result.payload });
        state.balanceMinor = balance;
        changed.set(key, { state, last: event });
      }
      for (const { state, last } of changed.values())
        outputs.push({
          type: 'AccountBalanceUpdated',
          metadata: derived(last, 'balance'),
          payload: {
            accountId: last.payload.accountId,
            balanceMinor: state.balanceMinor,
            availableBalanceMinor: null,
            currency: state.currency,
            asOf: last.metadata.occurredAt,
          },
        });
      await saveKeys(tx, newKeys);
      await saveAccounts(
        tx,
        [...changed.values()].map(({ state, last }) => ({
          organizationId: last.metadata.organizationId,
          accountId: last.payload.accountId,
          ...state,
        })),
      );
      if (outputs.length > 0) await publisher.publishBatch(outputs);
      const outcome: CleanserOutcome = {
        cleansed: newKeys.length,
        rejected: results.length - newKeys.length - duplicates,
        duplicates,
      };
      logger.debug(outcome, 'cleansed a batch');
    },
  };
}

function derived(input: TransactionIngested, purpose: string): EventMetadata {
  return {
    ...input.metadata,
    eventId: derivedEventId(input.metadata.eventId, purpose),
    causationId: input.metadata.eventId,
    actor: 'transactions-cleanser',
  };
}

/**
 * The largest balance an account may reach, either way, in minor units: past 2^53 a balance is no
 * longer exact in a double, and avsc refuses it as a long, so AccountBalanceUpdated (and every
 * later event of the account) failed. A transaction that would take it past is rejected instead.
 */
export const MAX_BALANCE_MINOR = 9 * 10 ** 15;

const balanceTooLarge = (balance: number) =>
  `would take the account's balance ${balance > 0 ? 'above' : 'below'} ${balance > 0 ? '' : '-'}${MAX_BALANCE_MINOR} minor units, the limit kept`;

function rejected(event: TransactionIngested, result: Extract<Cleansing, { ok: false }>): TributaryEvent {
  return {
    type: 'TransactionRejected',
    metadata: derived(event, 'rejected'),
    payload: {
      accountId: event.payload.accountId,
      sourceEventId: event.metadata.eventId,
      sourceFile: event.payload.sourceFile,
      lineNumber: event.payload.lineNumber,
      reasons: result.reasons,
    },
  };
}

function unique(pairs: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  return [...new Map(pairs.map((p) => [accountKey(p[0], p[1]), p])).values()];
}
