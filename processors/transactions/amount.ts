/** Every ISO 4217 code this runtime's ICU knows, for telling a currency from a typo. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/**
 * Digits after the decimal point in `currency`'s minor unit (JPY 0, USD 2, KWD 3), from ICU's
 * ISO 4217 data rather than a table of our own; undefined for a code that is not a currency.
 */
export function currencyExponent(currency: string): number | undefined {
  // Only known codes are kept: a code seen before is answered without the checks (per line, twice).
  let exponent = EXPONENTS.get(currency);
  if (exponent !== undefined) return exponent;
  if (!/^[A-Z]{3}$/.test(currency) || !KNOWN_CURRENCIES.has(currency)) return undefined;
  // Building a NumberFormat costs tens of microseconds: once per currency, not once per line.
  exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits!;
  EXPONENTS.set(currency, exponent);
  return exponent;
}

const EXPONENTS = new Map<string, number>();

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

// Sign, symbols and grouping people and banks' exports put around an amount.
const SYMBOLS = /[$€£¥₩₹]|^[A-Z]{3}\s*|\s*[A-Z]{3}$/g;
// A code before or after the number itself (`JPY 1000`, `12.50 EUR`), not any three letters (`ABC`).
const CODE_AROUND = /^([A-Z]{3})\s*(?=[-+(.\d])|(?<=[\d.)-])\s*([A-Z]{3})$/;
/** The currencies a symbol may stand for: an amount whose symbol names none of them is refused. */
const SYMBOL_CURRENCIES: Readonly<Record<string, readonly string[]>> = {
  '€': ['EUR'],
  '£': ['GBP', 'EGP', 'GIP', 'FKP', 'SHP', 'SSP', 'SYP', 'LBP'],
  '¥': ['JPY', 'CNY'],
  '₩': ['KRW', 'KPW'],
  '₹': ['INR'],
};
/**
 * The largest amount of one transaction, in minor units (10^15: ten trillion dollars in cents).
 * Balances are sums of amounts and must stay exact in a double (and in Avro's long as avsc reads
 * it): an amount near 2^53 took the account's balance past it and failed every event after it.
 */
export const MAX_AMOUNT_MINOR = 10 ** 15;
const LARGEST = BigInt(MAX_AMOUNT_MINOR);
const PLAIN = /^([+-]?)(\d{1,12})(?:\.(\d{1,3}))?$/;

/**
 * An amount as banks write it, in minor units of `currency`, computed on the digits (never
 * through a float): `-12.50`, `+12.50`, `(12.50)` and `12.50-` (negative), `1,234.56`, `$12.50`,
 * `USD 12.50`. More decimals than the currency has are refused unless they are zeros
 * (`1200.00` JPY is 1200; `12.345` USD is not an amount in dollars).
 */
export function parseAmount(raw: string, currency: string): Parsed<number> {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) return { ok: false, problem: `cannot be read without a known currency` };
  // The shape nearly every line has (`-12.50`, `1200`): read without the general path's regexes
  // and BigInts. Twelve whole digits at most, so the minor units stay exact in a double.
  const plain = PLAIN.exec(raw);
  if (plain && (plain[3] ?? '').length <= exponent) {
    const minor = Number(plain[2]) * 10 ** exponent + Number((plain[3] ?? '').padEnd(exponent, '0') || '0');
    return { ok: true, value: plain[1] === '-' && minor !== 0 ? -minor : minor };
  }
  const upper = raw.trim().toUpperCase();
  const named = namedCurrencies(upper);
  if (named && !named.includes(currency))
    return { ok: false, problem: `"${raw}" is written in ${named.join(' or ')}, not ${currency}` };
  let text = upper.replace(SYMBOLS, '').trim();
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    [negative, text] = [true, text.slice(1, -1).trim()];
    if (/^[-+]|-$/.test(text)) return { ok: false, problem: `"${raw}" has a sign inside its parentheses` };
  }
  if (text.endsWith('-')) [negative, text] = [!negative, text.slice(0, -1).trim()];
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) negative = !negative;
    text = text.slice(1).trim();
  }
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(text) ?? /^()\.(\d+)$/.exec(text);
  if (!match) return { ok: false, problem: `"${raw}" is not an amount (e.g. -12.50, (12.50), 1,234.56)` };
  const whole = (match[1] ?? '').replaceAll(',', '') || '0';
  const fraction = match[2] ?? '';
  const kept = fraction.slice(0, exponent);
  if (/[1-9]/.test(fraction.slice(exponent)))
    return { ok: false, problem: `"${raw}" has ${fraction.length} decimals; ${currency} has ${exponent}` };
  const minor = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(kept.padEnd(exponent, '0') || '0');
  if (minor > LARGEST) return { ok: false, problem: `"${raw}" is too large: at most ${MAX_AMOUNT_MINOR} minor units` };
  const value = Number(minor);
  return { ok: true, value: negative && value !== 0 ? -value : value };
}

/**
 * The currency an amount names by its code or symbol (`JPY 1000`, `€12.50`; `£` is GBP), if any:
 * the line's currency when it has no column of its own.
 */
export function currencyNamedIn(raw: string): string | undefined {
  return namedCurrencies(raw.trim().toUpperCase())?.[0];
}

/** The currencies an amount's own code or symbol names (`JPY 1000`, `€12.50`), if it names any. */
function namedCurrencies(upper: string): readonly string[] | undefined {
  const code = CODE_AROUND.exec(upper)?.slice(1).find(Boolean);
  if (code && currencyExponent(code) !== undefined) return [code];
  for (const symbol in SYMBOL_CURRENCIES) if (upper.includes(symbol)) return SYMBOL_CURRENCIES[symbol];
  return undefined;
}
