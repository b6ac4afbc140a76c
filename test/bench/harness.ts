/**
 * What every measure of `npm run bench` shares: warm-up, repetitions with the ceiling measured
 * beside the figure in each, the median of each, and the figure as the table, JSON and chart
 * show it (value, ceiling, ratio, target, met).
 */

export interface Target {
  /** Which number the target is about: the ratio to the ceiling, or the value itself (absolute). */
  readonly of: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  readonly value: number;
}

export interface Ceiling {
  readonly value: number;
  readonly unit: string;
  /** What the ceiling is, e.g. `kafka-producer-perf-test, same record size`. */
  readonly label: string;
}

export interface Figure {
  /** Short and stable, e.g. `publish`: what a later run's figure is compared by. */
  readonly id: string;
  readonly group: 'platform' | 'slice';
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly ceiling: Ceiling | null;
  /** value / ceiling: the headline. With repetitions, the median of each repetition's ratio. */
  readonly ratio: number | null;
  readonly target: Target | null;
  /** Null when there is no target to meet. */
  readonly met: boolean | null;
  /** Each repetition's value and ceiling, so the spread shows. */
  readonly samples: readonly { readonly value: number; readonly ceiling?: number }[];
  readonly note?: string;
}

export interface BenchOptions {
  /** Timed repetitions of each platform measure (the median is reported). */
  readonly repetitions: number;
  /** Untimed runs before them (smaller workloads, to load code, connections and caches). */
  readonly warmUps: number;
}

export type Progress = (line: string) => void;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The q-quantile (0..1) of a list of numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface Pair {
  readonly value: number;
  readonly ceiling: number;
}

export interface Repeated {
  readonly value: number;
  readonly ceiling: number;
  /** The median of the repetitions' own ratios: each pairs a figure with the ceiling measured beside it. */
  readonly ratio: number;
  readonly samples: readonly Pair[];
}

/**
 * Runs `once` warm-up times untimed, then `repetitions` times, and takes medians. `once` measures
 * the figure and its ceiling back to back, so a change in what else the machine runs touches both.
 */
export async function repeat(
  options: BenchOptions,
  progress: Progress,
  once: (run: { warmUp: boolean; index: number }) => Promise<Pair>,
): Promise<Repeated> {
  for (let index = 1; index <= options.warmUps; index += 1) {
    progress(`warm-up ${index}/${options.warmUps}`);
    await once({ warmUp: true, index });
  }
  const samples: Pair[] = [];
  for (let index = 1; index <= options.repetitions; index += 1) {
    progress(`repetition ${index}/${options.repetitions}`);
    const pair = await once({ warmUp: false, index });
    progress(`  ${round(pair.value)} against ${round(pair.ceiling)}: ${(pair.value / pair.ceiling).toFixed(2)}`);
    samples.push(pair);
  }
  return {
    value: median(samples.map((s) => s.value)),
    ceiling: median(samples.map((s) => s.ceiling)),
    ratio: median(samples.map((s) => s.value / s.ceiling)),
    samples,
  };
}

/** Whether `figure` meets its target; null without one. */
export function meets(target: Target | null, value: number, ratio: number | null): boolean | null {
  if (!target) return null;
  const actual = target.of === 'ratio' ? ratio : value;
  if (actual === null || !Number.isFinite(actual)) return false;
  return target.op === '>=' ? actual >= target.value : actual <= target.value;
}

interface FigureShape {
  readonly id: string;
  readonly group: Figure['group'];
  readonly label: string;
  readonly unit: string;
  readonly target?: Target;
  readonly note?: string;
}

/** A figure against a ceiling, from a repeated measure or a single one. */
export function ratioFigure(
  shape: FigureShape & { readonly ceiling: Omit<Ceiling, 'value'> },
  measured: Repeated | Pair,
): Figure {
  const ratio = 'ratio' in measured ? measured.ratio : measured.value / measured.ceiling;
  const samples = 'samples' in measured ? measured.samples : [measured];
  const target = shape.target ?? null;
  return {
    id: shape.id,
    group: shape.group,
    label: shape.label,
    value: round(measured.value),
    unit: shape.unit,
    ceiling: { ...shape.ceiling, value: round(measured.ceiling) },
    ratio: Math.round(ratio * 1000) / 1000,
    target,
    met: meets(target, measured.value, ratio),
    samples: samples.map((s) => ({ value: round(s.value), ceiling: round(s.ceiling) })),
    ...(shape.note ? { note: shape.note } : {}),
  };
}

/** A figure with no ceiling: an absolute one (latency, a count), with or without a target. */
export function absoluteFigure(shape: FigureShape, value: number, samples: readonly number[] = [value]): Figure {
  const target = shape.target ?? null;
  return {
    id: shape.id,
    group: shape.group,
    label: shape.label,
    value: round(value),
    unit: shape.unit,
    ceiling: null,
    ratio: null,
    target,
    met: meets(target, value, null),
    samples: samples.map((v) => ({ value: round(v) })),
    ...(shape.note ? { note: shape.note } : {}),
  };
}

/** Three significant digits below 100, whole numbers above: what a table can show. */
export function round(n: number): number {
  if (!Number.isFinite(n)) return n;
  return Math.abs(n) >= 100 ? Math.round(n) : Number(n.toPrecision(3));
}

/** `target missed` lines, one per figure short of its target, in plain words. */
export function missedLines(figures: readonly Figure[]): string[] {
  return figures
    .filter((f) => f.met === false)
    .map((f) => {
      const t = f.target!;
      const actual = t.of === 'ratio' ? `ratio ${f.ratio}` : `${f.value} ${f.unit}`;
      return `target missed: ${f.id}: ${actual}, target ${t.op} ${t.value}${t.of === 'value' ? ` ${f.unit}` : ''}`;
    });
}
