import { Command } from 'commander';
import { ConfigError } from '../infra/config/index.ts';
import { StackError } from '../infra/stack/supervisor.ts';
import { registerConfigCommand } from './config.ts';
import { printError } from './output.ts';
import { registerStackCommands } from './stack.ts';
import { registerStartCommand } from './start.ts';

const program = new Command()
  .name('tributary')
  .description('Tributary: an event-sourced backend on Apache Kafka')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerStartCommand(program);
registerStackCommands(program);
registerConfigCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof StackError) {
    printError(`\n${error.message}`);
  } else {
    printError(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
