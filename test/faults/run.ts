import { runPhase, type PhaseReport } from './phase.ts';
import { faultStack } from './stack.ts';

/**
 * npm run test:faults [-- --cycles=20] [--process-cycles=N] [--stacks=single,triple] [--parallel]
 * [--minutes=60]: kill -9 cycles under load on stacks of the suite's own, then the ledger checks
 * (README: Fault suite). --process-cycles sets the API's and processors' cycles apart (default:
 * --cycles); --parallel runs the two stacks at the same time (they have their own ports);
 * --minutes bounds the whole run: past it, the run stops what it started and fails.
 */
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const cycles = Number(option('cycles') ?? 20);
const processCycles = Number(option('process-cycles') ?? cycles);
const which = option('stacks') ?? 'single,triple';
const parallel = process.argv.includes('--parallel');
const minutes = Number(option('minutes') ?? 60);
const began = Date.now();
const stamp = () => `${((Date.now() - began) / 1000).toFixed(0).padStart(5)} s`;
const report = (line: string) => process.stdout.write(`${stamp()}  ${line}\n`);
// Bounded: a run that would outlast CI's time fails on its own, having stopped its processes and
// stacks (the phase's SIGTERM handler), rather than being cut off with them left running.
setTimeout(() => {
  report(`fault suite FAILED: still running after its ${minutes}-minute bound (--minutes); stopping`);
  process.kill(process.pid, 'SIGTERM');
}, minutes * 60_000).unref();

const phases = [
  ...(which.includes('single')
    ? [async () => runPhase(await faultStack(1), { cycles, processCycles, kills: 'everything', report })]
    : []),
  ...(which.includes('triple')
    ? [async () => runPhase(await faultStack(3), { cycles, processCycles, kills: 'brokers', report })]
    : []),
];
const reports: PhaseReport[] = [];
if (parallel) reports.push(...(await Promise.all(phases.map((phase) => phase()))));
else for (const phase of phases) reports.push(await phase());

let failed = false;
for (const phase of reports) {
  process.stdout.write(`\n== ${phase.stack}: ${phase.seconds.toFixed(0)} s\n`);
  process.stdout.write(
    `${'COMPONENT'.padEnd(30)} ${'CYCLES'.padEnd(8)} ${'SECONDS'.padEnd(8)} RECOVERY (median / max s)\n`,
  );
  for (const c of phase.cycles) {
    const sorted = [...c.recoveries].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    process.stdout.write(
      `${c.component.padEnd(30)} ${`${c.survived}/${c.planned}`.padEnd(8)} ${c.seconds.toFixed(0).padEnd(8)} ${median.toFixed(1)} / ${(sorted.at(-1) ?? 0).toFixed(1)}${c.failure ? `  FAILED ${c.failure}` : ''}\n`,
    );
    failed ||= c.survived < c.planned;
  }
  process.stdout.write(`${'CHECK'.padEnd(30)} ${'RESULT'.padEnd(8)} ${'LOST'.padEnd(6)} ${'DUPS'.padEnd(6)} DETAIL\n`);
  for (const c of phase.checks) {
    process.stdout.write(
      `${c.check.padEnd(30)} ${(c.ok ? 'ok' : 'FAILED').padEnd(8)} ${String(c.lost).padEnd(6)} ${String(c.duplicated).padEnd(6)} ${c.detail}\n`,
    );
    failed ||= !c.ok;
  }
}
process.stdout.write(
  `\nfault suite ${failed ? 'FAILED' : 'passed'} in ${((Date.now() - began) / 1000).toFixed(0)} s\n`,
);
process.exit(failed ? 1 : 0);
