import { describe, expect, it } from 'vitest';
import { liveProcessorName, liveSchema } from '../../projections/projection.ts';
import { threadCreated } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { untilCaughtUp } from '../support/kafka-caught-up.ts';
import { uniqueName } from '../support/platform.ts';
import { SCALE_OUT_PARTITIONS, scaleOutBackbone } from '../support/scale-out-backbone.ts';
import { exactlyOnceReport, scaleOutReadModel } from '../support/scale-out-figures.ts';
import { launchInstance, steadyLoad, type Instance } from '../support/scale-out-instances.ts';

// The instances' KAFKA_SESSION_TIMEOUT_MS (`start` defaults to 30 s): Kafka's smallest by default
// (group.min.session.timeout.ms), after which a dead member's partitions move.
const SESSION_TIMEOUT_MS = 6000;
// 40 events a second across the partitions: steady, and light on a shared two-core machine.
const LOAD = { perTick: 4, tickMs: 100 };
const WAIT = { timeoutMs: 45_000, intervalMs: 200 };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('scale-out: three processor instances on one consumer group', () => {
  it('when one of three instances is SIGKILLed under a steady load and started again, then every event lands in the read model exactly once and the partitions flow again', async () => {
    const suffix = uniqueName('scale');
    const backbone = await scaleOutBackbone(suffix, { provision: true });
    const name = uniqueName('scale_out').replaceAll('-', '_');
    const readModel = scaleOutReadModel(backbone.pool, liveSchema({ name }));
    const options = { suffix, projection: name, sessionTimeoutMs: SESSION_TIMEOUT_MS };
    const running: Instance[] = [];
    const launch = (label: string) => {
      const instance = launchInstance(label, options);
      running.push(instance);
      return instance;
    };
    const load = steadyLoad(
      (events) => backbone.publisher.publishBatch(events),
      () => threadCreated(),
      (event) => event.metadata.eventId,
      LOAD,
    );
    try {
      const startedAt = new Date();
      const [, victim] = [launch('a'), launch('b'), launch('c')];
      await Promise.all(running.map((instance) => instance.joined));
      // Settled: for the last two seconds each partition has been applied by one instance, and
      // the three share them all (so which instance holds which partition is known at the kill).
      await eventually(async () => {
        const recent = await readModel.recentlyApplying(new Date(Date.now() - 2000));
        expect(recent.size).toBe(SCALE_OUT_PARTITIONS);
        for (const [partition, instances] of recent) expect(instances, `partition ${partition}`).toHaveLength(1);
        expect(new Set([...recent.values()].flat())).toEqual(new Set(['a', 'b', 'c']));
      }, WAIT);

      const killedAt = new Date();
      victim!.kill('SIGKILL');
      expect((await victim!.exited).signal).toBe('SIGKILL');
      running.splice(running.indexOf(victim!), 1);
      const held = await readModel.heldBy('b', killedAt);
      expect(held.length, 'the killed instance held partitions').toBeGreaterThan(0);

      // The others take the killed instance's partitions once its session times out.
      const takenOver = await eventually(async () => {
        const first = await readModel.firstApplied(killedAt, { except: 'b' });
        for (const partition of held) expect(first.has(partition), `partition ${partition} taken over`).toBe(true);
        return Math.max(...held.map((partition) => first.get(partition)!.at.getTime()));
      }, WAIT);

      // The killed instance comes back, as its supervisor would start it again.
      const restarted = launch('b2');
      const back = await eventually(async () => {
        const first = await readModel.firstApplied(killedAt, { by: 'b2' });
        expect(first.size, 'the restarted instance applies').toBeGreaterThan(0);
        return Math.min(...[...first.values()].map(({ at }) => at.getTime()));
      }, WAIT);
      const allFlowing = await eventually(async () => {
        const first = await readModel.firstApplied(new Date(back));
        expect(first.size, 'partitions applying since the restarted instance came back').toBe(SCALE_OUT_PARTITIONS);
        return Math.max(...[...first.values()].map(({ at }) => at.getTime()));
      }, WAIT);

      await load.stop();
      const stoppedAt = new Date();
      await untilCaughtUp(backbone, liveProcessorName({ name }), backbone.topic, WAIT);
      // SIGTERM drains: each instance commits what it holds and exits 0.
      const exits = await Promise.all(
        running.splice(0).map(async (instance) => {
          instance.kill('SIGTERM');
          return { label: instance.label, ...(await instance.exited) };
        }),
      );
      for (const exit of exits) expect(exit.code, `${exit.label}: ${exit.stderr}`).toBe(0);

      const report = exactlyOnceReport(load.published, await readModel.applicationsPerEvent());
      const pause = await readModel.longestPause(startedAt, stoppedAt);
      const figures = [
        `events published and checked: ${report.published} (${SCALE_OUT_PARTITIONS} partitions, ${(1000 * LOAD.perTick) / LOAD.tickMs}/s, session timeout ${seconds(SESSION_TIMEOUT_MS)})`,
        `killed instance held partitions: ${held.join(', ')}`,
        `kill → its partitions taken over by the others: ${seconds(takenOver - killedAt.getTime())}`,
        `kill → restarted instance applying again: ${seconds(back - killedAt.getTime())} (started ${seconds(restarted.launchedAt - killedAt.getTime())} after the kill; in the group ${seconds((await restarted.joined) - restarted.launchedAt)} later, applying ${seconds(back - (await restarted.joined))} after that)`,
        `kill → all ${SCALE_OUT_PARTITIONS} partitions flowing with the restarted instance in: ${seconds(allFlowing - killedAt.getTime())}`,
        `longest pause of any partition: ${seconds(pause.ms)} (partition ${pause.partition})`,
        `lost: ${report.lost.length}, applied twice or more: ${report.duplicated.length}, unknown: ${report.unexpected.length}`,
      ];
      process.stdout.write(`\nscale-out figures\n${figures.map((line) => `  ${line}`).join('\n')}\n`);

      expect(report.distinctPublished).toBe(report.published);
      expect(report.lost).toEqual([]);
      expect(report.duplicated).toEqual([]);
      expect(report.unexpected).toEqual([]);
      await backbone.pool.query(`drop schema if exists "${liveSchema({ name })}" cascade`);
    } finally {
      for (const instance of running) instance.kill('SIGKILL');
      await load.stop().catch(() => undefined);
      await backbone.close();
    }
  }, 180_000);
});
