import { setTimeout as sleep } from 'node:timers/promises';

/** Something the suite kills with SIGKILL and starts again. */
export interface Component {
  readonly name: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** A number that grows while the component does its work under the load. */
  progress(): Promise<number>;
}

export interface CycleReport {
  readonly component: string;
  readonly survived: number;
  readonly planned: number;
  readonly seconds: number;
  /** Seconds from the kill until the component was back and its work moving again, per cycle. */
  readonly recoveries: readonly number[];
  readonly failure?: string;
}

export type Progress = (line: string) => void;

/**
 * `cycles` times: kill -9, start again, wait until the component's work moves again (it must
 * within `recoverMs`), pause a little, next. A cycle that does not recover ends the component's
 * series with the reason.
 */
export async function killCycles(
  component: Component,
  cycles: number,
  report: Progress,
  recoverMs = 180_000,
): Promise<CycleReport> {
  const began = Date.now();
  const recoveries: number[] = [];
  for (let cycle = 1; cycle <= cycles; cycle += 1) {
    const killedAt = Date.now();
    const took = { restart: 0 };
    try {
      await component.kill();
      const before = await readProgress(component);
      await component.restart();
      took.restart = (Date.now() - killedAt) / 1000;
      await waitForProgress(component, before, killedAt + recoverMs);
    } catch (error) {
      const failure = `cycle ${cycle}: ${(error as Error).message}`;
      report(`${component.name}: ${failure}`);
      return {
        component: component.name,
        survived: cycle - 1,
        planned: cycles,
        seconds: elapsed(began),
        recoveries,
        failure,
      };
    }
    recoveries.push((Date.now() - killedAt) / 1000);
    report(
      `${component.name}: cycle ${cycle}/${cycles} survived, back in ${recoveries.at(-1)!.toFixed(1)} s (started again in ${took.restart.toFixed(1)} s)`,
    );
    await sleep(200 + Math.random() * 800);
  }
  return { component: component.name, survived: cycles, planned: cycles, seconds: elapsed(began), recoveries };
}

/** -1 when the measure itself is down with the component (Postgres): the first answer is the baseline. */
async function readProgress(component: Component): Promise<number> {
  try {
    return await component.progress();
  } catch {
    return -1;
  }
}

async function waitForProgress(component: Component, before: number, deadline: number): Promise<void> {
  let last = before;
  let baseline = before;
  while (Date.now() < deadline) {
    try {
      last = await component.progress();
      if (baseline < 0) baseline = last;
      else if (last > baseline) return;
    } catch {
      // not answering yet
    }
    await sleep(250);
  }
  throw new Error(`its work did not move again before the deadline (stuck at ${last})`);
}

function elapsed(since: number): number {
  return (Date.now() - since) / 1000;
}
