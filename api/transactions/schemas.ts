import { Type } from '@fastify/type-provider-typebox';
import type { Account, WarehouseTransaction } from '../../projections/transactions/queries.ts';
import { NOT_BLANK } from '../nul-guard.ts';

export const READ_ACCOUNTS_SCOPE = 'accounts:read';
export const WRITE_ACCOUNTS_SCOPE = 'accounts:write';
export const ADMIN_RULES_SCOPE = 'cleansing-rules:admin';
export const TAGS = ['transactions'];

export const ReadAfter = {
  after: Type.Optional(
    Type.String({ description: 'A position a command returned: wait until the read model has applied it.' }),
  ),
  wait: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).' }),
  ),
};

export const AccountParams = Type.Object(
  { accountId: Type.String({ minLength: 1, maxLength: 100, description: 'The account number at the institution.' }) },
  { additionalProperties: false },
);

// Year 0000 passes the date format but not Postgres ("date/time field value out of range": a 500).
const Day = Type.String({
  format: 'date',
  pattern: '^(?!0000-)\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD, year 0001 to 9999',
});
const Minor = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });

export const AccountJson = Type.Object({
  accountId: Type.String(),
  nickname: Type.Union([Type.String(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()], { description: 'ISO 4217; null until a balance is known.' }),
  balanceMinor: Type.Union([Minor, Type.Null()], { description: "In the currency's minor units (cents)." }),
  availableBalanceMinor: Type.Union([Minor, Type.Null()]),
  balanceAsOf: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export function accountJson(account: Account) {
  return { ...account, balanceAsOf: account.balanceAsOf?.toISOString() ?? null };
}

/** The longest nickname, counted as sent. */
export const MAX_NICKNAME = 100;

export const NicknameBody = Type.Object(
  {
    nickname: Type.String({
      // Counted as sent, spaces around it included: a limit after trimming is one the document
      // could not state, and schemathesis rightly called a 400 for a document-valid body a failure.
      maxLength: MAX_NICKNAME,
      description: 'The new nickname, trimmed; an empty string clears it.',
    }),
  },
  { additionalProperties: false },
);

export const NicknameAccepted = Type.Object({
  accountId: Type.String(),
  position: Type.String({ description: 'Pass as ?after= to GET /v1/accounts/{id} to see the change applied.' }),
});

export const TransactionQuery = Type.Object(
  {
    from: Type.Optional({ ...Day, description: 'Posted on or after this day.' }),
    to: Type.Optional({ ...Day, description: 'Posted on or before this day.' }),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    minAmountMinor: Type.Optional({ ...Minor, description: 'Signed, in minor units: -5000 is 50.00 out.' }),
    maxAmountMinor: Type.Optional(Minor),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Words found in the description or merchant.' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 1000, description: 'The nextCursor of the previous page, with the same filters.' }),
    ),
    ...ReadAfter,
  },
  { additionalProperties: false },
);

export const TransactionJson = Type.Object({
  transactionId: Type.String({ format: 'uuid' }),
  accountId: Type.String(),
  amountMinor: Minor,
  currency: Type.String(),
  postedOn: Day,
  description: Type.String(),
  merchant: Type.Union([Type.String(), Type.Null()]),
  category: Type.Union([Type.String(), Type.Null()]),
  externalTransactionId: Type.Union([Type.String(), Type.Null()]),
  reference: Type.Union([Type.String(), Type.Null()]),
  sourceFile: Type.Union([Type.String(), Type.Null()]),
  lineNumber: Type.Union([Type.Integer(), Type.Null()]),
});

export const TransactionPage = Type.Object({
  items: Type.Array(TransactionJson),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last.' })),
});

export type TransactionJsonType = WarehouseTransaction;

export const RuleJson = Type.Object({
  ruleId: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('alias'), Type.Literal('category')]),
  pattern: Type.String({ description: 'Normalized: upper case, no punctuation; matches whole words.' }),
  value: Type.String(),
  priority: Type.Integer(),
  scope: Type.Union([Type.Literal('default'), Type.Literal('organization')]),
});

// At least one letter or digit (of the scripts listed), so a pattern never normalizes to nothing.
// Escapes rather than \p{L}: the schema is read by other regex engines too (Python's, in schemathesis).
const RULE_PATTERN_HAS_WORD =
  '[0-9A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F\\u0391-\\u03A1\\u03A3-\\u03A9\\u03B1-\\u03C9\\u0410-\\u044F\\u05D0-\\u05EA\\u0621-\\u064A\\u3041-\\u3096\\u30A1-\\u30FA\\u4E00-\\u9FFF\\uAC00-\\uD7A3]';

export const RuleBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('alias'), Type.Literal('category')]),
    pattern: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: RULE_PATTERN_HAS_WORD,
      description: 'Words to match, e.g. "Trader Joe\'s"; at least one letter or digit.',
    }),
    value: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: NOT_BLANK,
      description: 'The merchant name, or the category (trimmed).',
    }),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000, default: 100, description: 'Lower first.' })),
  },
  { additionalProperties: false },
);
