import { Command } from 'commander';
import { OperatorError } from '../infra/errors.ts';
import { registerBucketCommands } from './buckets.ts';
import { registerConfigCommand } from './config.ts';
import { registerDeadLetterCommands } from './dlq.ts';
import { registerDemoCommand } from './demo.ts';
import { registerExportCommands } from './export.ts';
import { registerLogCommands } from './logs.ts';
import { registerImportCommand } from './import.ts';
import { registerProjectionCommands } from './projections.ts';
import { printError } from './output.ts';
import { registerSchemaCommands } from './schemas.ts';
import { registerStackCommands } from './stack.ts';
import { registerStartCommand } from './start.ts';
import { registerTokenCommand } from './token.ts';
import { registerTopicCommands } from './topics.ts';

const program = new Command()
  .name('tributary')
  .description('Tributary: an event-sourced backend on Apache Kafka')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerStartCommand(program);
registerStackCommands(program);
registerConfigCommand(program);
registerSchemaCommands(program);
registerTopicCommands(program);
registerDeadLetterCommands(program);
registerProjectionCommands(program);
registerTokenCommand(program);
registerDemoCommand(program);
registerBucketCommands(program);
registerLogCommands(program);
registerImportCommand(program);
registerExportCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof OperatorError) {
    printError(`\n${error.message}`);
  } else {
    printError(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
