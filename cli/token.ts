import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import { isSubject, SUBJECT_MAX_LENGTH } from '../api/auth/principal.ts';
import { mintToken } from '../api/auth/tokens.ts';
import { loadConfig } from '../infra/config/index.ts';
import { OperatorError } from '../infra/errors.ts';
import { isOrganizationId, ORGANIZATION_ID_RULE } from '../infra/organization-id.ts';
import { scopesOf } from '../slices/index.ts';
import { print } from './output.ts';

/** What the API's scope names look like (the messaging routes take thread scopes by the same rule). */
const SCOPE_NAME = /^[A-Za-z0-9:._-]+$/;

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('mint a development bearer token the API accepts, signed with the configured key (AUTH_JWT_*)')
    .requiredOption('--org <id>', 'the organization the token acts for')
    .requiredOption('--sub <id>', 'the subject (user or service) the token identifies')
    .option(
      '--scope <scope...>',
      `scopes (default: all of them): ${scopesOf()
        .map((scope) => scope.name)
        .join(', ')}`,
    )
    .option('--expires <span>', 'lifetime, e.g. 15m, 1h, 7d', '1h')
    .action(async (options: { org: string; sub: string; scope?: string[]; expires: string }) => {
      // A token the API would refuse on every call is refused here, where the mistake is made.
      if (!isOrganizationId(options.org))
        throw new OperatorError(`--org: '${options.org}' is not an organization id (${ORGANIZATION_ID_RULE})`);
      if (options.sub.trim() === '' || !isSubject(options.sub))
        throw new OperatorError(
          `--sub: the subject must not be blank, longer than ${SUBJECT_MAX_LENGTH} characters or hold a control character`,
        );
      const known = scopesOf().map((scope) => scope.name);
      // Thread scopes and MESSAGING_*_SCOPES are the deployment's own names: any well-formed name
      // goes in; one no slice declares is only pointed out, in case it is a typo.
      const malformed = (options.scope ?? []).filter((scope) => !SCOPE_NAME.test(scope));
      if (malformed.length > 0)
        throw new OperatorError(`--scope: ${malformed.join(', ')} is not a scope name (letters, digits, : . _ -)`);
      const unknown = (options.scope ?? []).filter((scope) => !known.includes(scope));
      if (unknown.length > 0)
        process.stderr.write(
          `note: no slice declares ${unknown.join(', ')} (they go in anyway); declared: ${known.join(', ')}\n`,
        );
      // jose takes '-1h' as an hour ago and '0s' as now: a token expired when minted.
      if (/^\s*-|^\s*\+?0+(\.0+)?\s*[a-z]*\s*$/i.test(options.expires))
        throw new OperatorError(`--expires ${options.expires}: a lifetime must be above zero, e.g. 15m, 1h or 7d`);
      const { config } = await loadConfig();
      let token: string;
      try {
        token = await mintToken(config.auth, {
          organizationId: options.org,
          subject: options.sub,
          scopes: options.scope ?? known,
          expiresIn: options.expires,
        });
      } catch (error) {
        if (error instanceof TypeError && /time period/i.test(error.message))
          throw new OperatorError(`--expires ${options.expires}: not a lifetime; write e.g. 15m, 1h or 7d`);
        throw error;
      }
      // jose reads spans jose's way ('0.1s', '99999999d'): the lifetime is checked on what it minted.
      const { iat = 0, exp = 0 } = decodeJwt(token);
      if (exp - iat < 1)
        throw new OperatorError(
          `--expires ${options.expires}: a lifetime must be a second or more, e.g. 15m, 1h or 7d`,
        );
      if (exp - iat > MAX_LIFETIME_DAYS * 86_400)
        throw new OperatorError(`--expires ${options.expires}: at most ${MAX_LIFETIME_DAYS}d (a development token)`);
      print(token);
    });
}

/** The longest lifetime `token` mints: past it, realtime's expiry timers overflowed (a 500 on tickets). */
const MAX_LIFETIME_DAYS = 366;
