/**
 * What an organization id may be: 1 to 200 letters, digits, `.`, `_` or `-`, starting with a
 * letter or digit. It is one segment of every object key and path the organization owns
 * (`incoming/<org>/<kind>/…`, `uploads/<org>/…`, the lake's `organization=<org>`): an id holding
 * `/` (`acme/transactions`) named another organization's delivery folder and imported into it.
 * Tokens with another `org` claim are refused, and the CLI refuses such an `--org`/`--organization`.
 */
export const ORGANIZATION_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$';
const ORGANIZATION_ID = new RegExp(ORGANIZATION_ID_PATTERN);

export const ORGANIZATION_ID_RULE = "1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit";

export function isOrganizationId(value: string): boolean {
  return ORGANIZATION_ID.test(value);
}
