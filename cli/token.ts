import type { Command } from 'commander';
import { mintToken } from '../api/auth/tokens.ts';
import { loadConfig } from '../infra/config/index.ts';
import { scopesOf } from '../slices/index.ts';
import { print } from './output.ts';

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
      const { config } = await loadConfig();
      print(
        await mintToken(config.auth, {
          organizationId: options.org,
          subject: options.sub,
          scopes: options.scope ?? scopesOf().map((scope) => scope.name),
          expiresIn: options.expires,
        }),
      );
    });
}
