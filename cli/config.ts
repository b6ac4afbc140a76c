import type { Command } from 'commander';
import { loadConfig, redactedValue, variables, type VariableName } from '../infra/config/index.ts';
import { print, table } from './output.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('show the effective configuration, where each value came from, with secrets masked')
    .action(async () => {
      const loaded = await loadConfig();
      const names = Object.keys(variables) as VariableName[];
      print(
        table(
          ['VARIABLE', 'VALUE', 'FROM'],
          names.map((name) => [name, redactedValue(name, loaded.effective[name]) ?? '(unset)', loaded.sources[name]]),
        ),
      );
      if (loaded.ignoredSsmParameters.length > 0) {
        print(`\nSSM parameters naming no variable (ignored): ${loaded.ignoredSsmParameters.join(', ')}`);
      }
    });
}
