import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { Stack } from '../infra/stack/supervisor.ts';
import { tailOf } from '../infra/stack/processes.ts';
import { loadConfig } from '../infra/config/index.ts';
import { print, table } from './output.ts';

export function registerStackCommands(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'run the local stack: Kafka, Apicurio Registry, PostgreSQL and moto (S3, SQS, SSM, Athena) as local processes',
    );

  stack
    .command('up')
    .description('install what is missing and start every service; idempotent, waits until each answers')
    .action(async () => {
      const { config } = await loadConfig();
      const local = new Stack(config.stack);
      await local.up(print);
      print(`stack ready; data under ${local.layout.root}`);
    });

  stack
    .command('down')
    .description('stop every service of the stack by its pid')
    .action(async () => {
      const { config } = await loadConfig();
      await new Stack(config.stack).down(print);
    });

  stack
    .command('status')
    .description('show each service with its port, pid and health')
    .action(async () => {
      const { config } = await loadConfig();
      const statuses = await new Stack(config.stack).status();
      print(
        table(
          ['SERVICE', 'PORT', 'PID', 'HEALTH'],
          statuses.map((s) => [
            s.service,
            String(s.port),
            s.pid ? String(s.pid) : '-',
            s.detail ? `${s.state}: ${s.detail}` : s.state,
          ]),
        ),
      );
      if (statuses.some((s) => s.state !== 'running')) process.exitCode = 3;
    });

  stack
    .command('logs')
    .description("print the tail of a service's log")
    .argument('<service>', 'postgres, kafka, aws or registry')
    .option('-n, --lines <count>', 'how many lines', '50')
    .option('-f, --follow', 'keep printing as the log grows')
    .action(async (name: string, options: { lines: string; follow?: boolean }) => {
      const { config } = await loadConfig();
      const local = new Stack(config.stack);
      const service = local.service(name);
      const file = local.layout.log(service.name);
      if (!options.follow) {
        print(tailOf(file, Number(options.lines)));
        return;
      }
      const tail = spawn('tail', ['-n', options.lines, '-F', file], { stdio: 'inherit' });
      await new Promise((resolve) => tail.once('close', resolve));
    });

  stack
    .command('reset')
    .description('stop the stack and wipe its data and logs (installed tools are kept)')
    .option('--all', 'also remove the installed tools (virtualenv, unpacked registry, classpath)')
    .action(async (options: { all?: boolean }) => {
      const { config } = await loadConfig();
      await new Stack(config.stack).reset(print, { tools: options.all === true });
    });
}
