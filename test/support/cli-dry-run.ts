import { Command } from 'commander';
import { registerSchemaCommands } from '../../cli/schemas.ts';
import { registerStartCommand } from '../../cli/start.ts';
import { registerTopicCommands } from '../../cli/topics.ts';
import type { Config } from '../../infra/config/index.ts';
import { processorNamesOf } from '../../infra/roles/catalogue.ts';
import { selectParts, type Selection } from '../../infra/roles/selection.ts';
import { SLICES } from '../../slices/index.ts';

/** A command line the CLI accepted, without running it. */
export interface DryRun {
  /** The subcommand's path: `start`, `topics apply`. */
  readonly command: string;
  readonly options: Record<string, unknown>;
  /** For `start`: what the process would run, decided as `start` decides it before connecting. */
  readonly selection?: Selection;
}

/**
 * Parses `args` (what follows `tributary`) with the CLI's own command definitions, each action
 * swapped for one that records what it was given: unknown commands and options, a missing
 * value, excess arguments and an unknown role fail as they would on a real start. For `start`,
 * the processor names are then checked against the slices' names under `config`, the first
 * thing the real action does. The commands registered are the ones deployment files run.
 */
export async function dryRun(args: readonly string[], config: Config): Promise<DryRun> {
  const program = new Command()
    .name('tributary')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerStartCommand(program);
  registerTopicCommands(program);
  registerSchemaCommands(program);

  let ran: DryRun | undefined;
  const capture = (command: Command, path: string) => {
    if (command.commands.length > 0) {
      for (const sub of command.commands) capture(sub, `${path} ${sub.name()}`.trim());
      return;
    }
    command.action((...received: unknown[]) => {
      ran = { command: path, options: (received.at(-1) as Command).opts() };
    });
  };
  capture(program, '');
  await program.parseAsync([...args], { from: 'user' });
  if (!ran) throw new Error(`tributary ${args.join(' ')} names no command that runs`);
  if (ran.command !== 'start') return ran;
  return { ...ran, selection: selectParts(ran.options, processorNamesOf(SLICES, config)) };
}
