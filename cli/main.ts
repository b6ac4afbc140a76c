import { Command } from 'commander';
import { OperatorError } from '../infra/errors.ts';
import { printError } from './output.ts';

type Register = (program: Command) => void;

/**
 * Each top-level command and where it is defined. Only the command being run is loaded: every
 * module brings its dependencies (the AWS SDK, DuckDB, Fastify), and an import holding all of
 * them started at 213 MiB before reading a line. Help, or a name that is not a command, loads
 * them all, so commander lists them and suggests the nearest.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./start.ts')).registerStartCommand,
  stack: async () => (await import('./stack.ts')).registerStackCommands,
  config: async () => (await import('./config.ts')).registerConfigCommand,
  schemas: async () => (await import('./schemas.ts')).registerSchemaCommands,
  topics: async () => (await import('./topics.ts')).registerTopicCommands,
  dlq: async () => (await import('./dlq.ts')).registerDeadLetterCommands,
  projections: async () => (await import('./projections.ts')).registerProjectionCommands,
  token: async () => (await import('./token.ts')).registerTokenCommand,
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  buckets: async () => (await import('./buckets.ts')).registerBucketCommands,
  logs: async () => (await import('./logs.ts')).registerLogCommands,
  import: async () => (await import('./import.ts')).registerImportCommand,
  export: async () => (await import('./export.ts')).registerExportCommands,
};

const program = new Command()
  .name('tributary')
  .description('Tributary: an event-sourced backend on Apache Kafka')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

const named = process.argv[2];
const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
for (const name of wanted) (await COMMANDS[name]!())(program);

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
