/**
 * One processor instance of the scale-out test, as a process of its own: what
 * `tributary start --no-stack --role processors --processors projection-<name>` runs (the real
 * projection runtime, started as a `Startup` part, stopped by `shutdownOnSignals`), pointed at
 * the test's own topic, schema and consumer group, which the CLI cannot be without running
 * the shared stack's projections.
 *
 * Usage: scale-out-process.ts <backbone suffix> <projection name> <instance label>
 * The session timeout is KAFKA_SESSION_TIMEOUT_MS, read by the configuration as `start` reads it.
 * Prints `joined` once the instance has partitions, or stays in the group as a standby.
 */
import { shutdownOnSignals } from '../../infra/lifecycle.ts';
import { Startup } from '../../infra/startup.ts';
import { startProjection } from '../../projections/live.ts';
import { pino } from 'pino';
import { scaleOutBackbone } from './scale-out-backbone.ts';
import { applicationsProjection } from './scale-out-projection.ts';

const [suffix, name, instance] = process.argv.slice(2);
if (!suffix || !name || !instance) throw new Error('usage: scale-out-process.ts <suffix> <projection name> <instance>');

// Warnings and errors reach the test's output through stderr; the rest would only be noise.
const logger = pino({ level: 'warn', base: { instance } }, pino.destination(2));
const startup = new Startup(logger);
const backbone = await startup.part({
  name: 'connections',
  start: () => scaleOutBackbone(suffix),
  stop: (opened) => opened.close(),
});
const running = await startup.part({
  name: `projection ${name}`,
  start: () => startProjection(applicationsProjection(name, backbone.topic, instance), backbone.runtime(logger)),
  stop: (started) => started.stop(),
});
shutdownOnSignals(startup.steps(), logger);
// The test holds this pipe open; if the test's process dies without stopping us, stop too.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM')).resume();
await running.joined;
process.stdout.write('joined\n');
