/**
 * A cleansing rule from the rules table: `alias` maps descriptions containing `pattern` to the
 * merchant `value`; `category` files merchants or descriptions containing `pattern` under `value`.
 * Patterns match whole words of the normalized text (upper case, no punctuation), so `SHELL`
 * matches `SHELL OIL 5723` and not `SHELLFISH SHACK`.
 */
export interface CleansingRule {
  readonly kind: 'alias' | 'category';
  readonly pattern: string;
  readonly value: string;
  /** Lower first; an organization's own rules come before the defaults at the same priority. */
  readonly priority: number;
  /** null: a default rule for every organization. */
  readonly organizationId: string | null;
}

/** Which rule applies first: the organization's before the defaults, lower priority, longer pattern. */
export function ruleOrder(a: CleansingRule, b: CleansingRule): number {
  return (
    Number(a.organizationId === null) - Number(b.organizationId === null) ||
    a.priority - b.priority ||
    b.pattern.length - a.pattern.length ||
    a.pattern.localeCompare(b.pattern)
  );
}

/** The first rule of `kind` whose pattern is in `text` as whole words, for `organizationId`. */
export function firstMatch(
  rules: readonly CleansingRule[],
  kind: CleansingRule['kind'],
  organizationId: string,
  ...texts: readonly string[]
): CleansingRule | undefined {
  const padded = texts.map((text) => ` ${text} `);
  return rules.find(
    (rule) =>
      rule.kind === kind &&
      (rule.organizationId === null || rule.organizationId === organizationId) &&
      padded.some((text) => text.includes(` ${rule.pattern} `)),
  );
}

/** The defaults the migration seeds; organizations add their own through PUT /v1/cleansing-rules. */
export const DEFAULT_RULES: readonly Omit<CleansingRule, 'organizationId' | 'priority'>[] = [
  { kind: 'alias', pattern: 'AMZN', value: 'Amazon' },
  { kind: 'alias', pattern: 'AMZN MKTP', value: 'Amazon' },
  { kind: 'alias', pattern: 'AMAZON COM', value: 'Amazon' },
  { kind: 'alias', pattern: 'WM SUPERCENTER', value: 'Walmart' },
  { kind: 'alias', pattern: 'WAL MART', value: 'Walmart' },
  { kind: 'alias', pattern: 'WALMART', value: 'Walmart' },
  { kind: 'alias', pattern: 'SBUX', value: 'Starbucks' },
  { kind: 'alias', pattern: 'STARBUCKS', value: 'Starbucks' },
  { kind: 'alias', pattern: 'UBER EATS', value: 'Uber Eats' },
  { kind: 'alias', pattern: 'UBER TRIP', value: 'Uber' },
  { kind: 'alias', pattern: 'UBER', value: 'Uber' },
  { kind: 'alias', pattern: 'LYFT', value: 'Lyft' },
  { kind: 'alias', pattern: 'NETFLIX', value: 'Netflix' },
  { kind: 'alias', pattern: 'SPOTIFY', value: 'Spotify' },
  { kind: 'alias', pattern: 'SHELL OIL', value: 'Shell' },
  { kind: 'alias', pattern: 'SHELL', value: 'Shell' },
  { kind: 'alias', pattern: 'CHEVRON', value: 'Chevron' },
  { kind: 'alias', pattern: 'TRADER JOE S', value: "Trader Joe's" },
  { kind: 'alias', pattern: 'WHOLEFDS', value: 'Whole Foods' },
  { kind: 'alias', pattern: 'WHOLE FOODS', value: 'Whole Foods' },
  { kind: 'alias', pattern: 'MCDONALD S', value: "McDonald's" },
  { kind: 'alias', pattern: 'TARGET', value: 'Target' },
  { kind: 'alias', pattern: 'COSTCO', value: 'Costco' },
  { kind: 'category', pattern: 'AMAZON', value: 'shopping' },
  { kind: 'category', pattern: 'WALMART', value: 'groceries' },
  { kind: 'category', pattern: 'TARGET', value: 'shopping' },
  { kind: 'category', pattern: 'COSTCO', value: 'groceries' },
  { kind: 'category', pattern: 'TRADER JOE S', value: 'groceries' },
  { kind: 'category', pattern: 'WHOLE FOODS', value: 'groceries' },
  { kind: 'category', pattern: 'GROCERY', value: 'groceries' },
  { kind: 'category', pattern: 'STARBUCKS', value: 'dining' },
  { kind: 'category', pattern: 'MCDONALD S', value: 'dining' },
  { kind: 'category', pattern: 'UBER EATS', value: 'dining' },
  { kind: 'category', pattern: 'RESTAURANT', value: 'dining' },
  { kind: 'category', pattern: 'CAFE', value: 'dining' },
  { kind: 'category', pattern: 'UBER', value: 'transport' },
  { kind: 'category', pattern: 'LYFT', value: 'transport' },
  { kind: 'category', pattern: 'SHELL', value: 'fuel' },
  { kind: 'category', pattern: 'CHEVRON', value: 'fuel' },
  { kind: 'category', pattern: 'NETFLIX', value: 'subscriptions' },
  { kind: 'category', pattern: 'SPOTIFY', value: 'subscriptions' },
  { kind: 'category', pattern: 'PAYROLL', value: 'income' },
  { kind: 'category', pattern: 'DIRECT DEP', value: 'income' },
  { kind: 'category', pattern: 'INTEREST', value: 'interest' },
  { kind: 'category', pattern: 'ATM', value: 'cash' },
  { kind: 'category', pattern: 'TRANSFER', value: 'transfer' },
  { kind: 'category', pattern: 'FEE', value: 'fees' },
];
