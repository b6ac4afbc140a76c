import { firstMatch, type CleansingRule } from './rules.ts';

// What card networks and cores put around the merchant's name: not part of it.
const PREFIXES =
  /^(?:(?:POS|DEBIT|CREDIT|CARD|PURCHASE|RECURRING|CHECKCARD|VISA|MC|ACH|PREAUTHORIZED|PRE AUTH|ONLINE|PAYMENT TO|PMT)\s+)+/;
// Store numbers (`#1234`, `STORE 0042`, `NO 12`), card tails (`XXXX1234`) and dates (`03/01`).
const NOISE = /#\s*\d+|\b(?:STORE|STR|NO|UNIT)\s*\d+\b|\bX+\d+\b|\b\d{1,2}\/\d{1,2}(?:\/\d{2,4})?\b/g;
const TOKEN_WITH_DIGITS = /\b\w*\d\w*\b/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ASCII_SEPARATORS = /[^A-Z0-9#/]+/g;

/**
 * A description as rules match it: upper case, accents and punctuation gone (an apostrophe
 * becomes a space: `TRADER JOE'S` reads `TRADER JOE S`), one space between words. It is also
 * what the duplicate key compares, so `Starbucks #123` and `STARBUCKS  #123` are one description.
 */
export function normalizeDescription(raw: string): string {
  // Most descriptions are printable ASCII: no accents to strip, and ASCII classes do what the
  // Unicode ones would at a fifth of the cost (the importer and the cleanser run this per line).
  // A run of punctuation and spaces becomes one space in one pass.
  if (PRINTABLE_ASCII.test(raw)) return raw.toUpperCase().replace(ASCII_SEPARATORS, ' ').trim();
  return raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}#/\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The merchant's name: a known alias from the rules when one matches, otherwise the description
 * without card prefixes, store numbers, card tails, dates, numbers or a trailing city/state
 * code, in title case; null when nothing is left (a description of only numbers).
 */
export function merchantOf(normalized: string, rules: readonly CleansingRule[], organizationId: string): string | null {
  const stripped = normalized.replace(PREFIXES, '').replace(NOISE, ' ').replace(/\s+/g, ' ').trim();
  const alias = firstMatch(rules, 'alias', organizationId, stripped, normalized);
  if (alias) return alias.value;
  const words = stripped
    .replace(TOKEN_WITH_DIGITS, ' ')
    .replaceAll('/', ' ')
    .replace(/\s+[A-Z]{2}$/, '')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return null;
  return words.map((word) => word.charAt(0) + word.slice(1).toLowerCase()).join(' ');
}

/**
 * The category: the first category rule matching the merchant or the description, else the
 * source's own `category` column (lower case), else null.
 */
export function categoryOf(
  merchant: string | null,
  normalized: string,
  sourceCategory: string | undefined,
  rules: readonly CleansingRule[],
  organizationId: string,
): string | null {
  const texts = [normalized, ...(merchant ? [normalizeDescription(merchant)] : [])];
  const rule = firstMatch(rules, 'category', organizationId, ...texts);
  if (rule) return rule.value;
  const own = sourceCategory?.trim().toLowerCase();
  return own ? own : null;
}
