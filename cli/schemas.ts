import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { eventDefinitions } from '../schemas/catalog.ts';
import { RegistryClient } from '../schemas/registry-client.ts';
import { checkSchemas, IncompatibleSchemaError, registerSchemas } from '../schemas/registration.ts';
import { print, table } from './output.ts';

export function registerSchemaCommands(program: Command): void {
  const schemas = program.command('schemas').description('event schemas in the schema registry');

  schemas
    .command('register')
    .description(
      'register every event schema under <topic>-<record full name> with BACKWARD compatibility (idempotent)',
    )
    .action(async () => {
      const { config } = await loadConfig();
      const results = await registerSchemas(new RegistryClient(config.registry), eventDefinitions());
      print(
        table(
          ['EVENT', 'SUBJECT', 'ID', 'CHANGE'],
          results.map((r) => [r.event, r.subject, String(r.id), r.change]),
        ),
      );
    });

  schemas
    .command('check')
    .description('fail when a changed schema is not backward compatible with its registered version, naming the field')
    .action(async () => {
      const { config } = await loadConfig();
      const results = await checkSchemas(new RegistryClient(config.registry), eventDefinitions());
      print(
        table(
          ['EVENT', 'SUBJECT', 'AGAINST', 'RESULT'],
          results.map((r) => [
            r.event,
            r.subject,
            r.against ? `v${r.against}` : 'new',
            r.problems.length ? 'INCOMPATIBLE' : 'ok',
          ]),
        ),
      );
      const failing = results.filter((r) => r.problems.length > 0);
      if (failing.length > 0) throw new IncompatibleSchemaError(failing);
    });
}
