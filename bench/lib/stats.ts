/** Summary statistics for the benchmark: medians with their spread, and same-run ratios. */

export interface Spread {
  runs: number;
  median: number;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The value below which `p` percent of the samples lie (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function spread(values: number[], digits = 1): Spread {
  if (values.length === 0) return { runs: 0, median: NaN, min: NaN, max: NaN };
  return {
    runs: values.length,
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
  };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** value / baseline, or undefined when the baseline is zero (e.g. a latency under the 1 ms resolution). */
export function ratio(value: number, baseline: number): number | undefined {
  return baseline > 0 ? round(value / baseline, 2) : undefined;
}

/**
 * Runs several measurements round-robin, one run of each per round with the order rotating, after `warmups`
 * unrecorded rounds, so that whatever else the machine does weighs on every side of a comparison alike.
 */
export async function interleaved<K extends string, T = number>(
  rounds: number,
  warmups: number,
  measures: Record<K, (round: number) => Promise<T>>,
): Promise<Record<K, T[]>> {
  const names = Object.keys(measures) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>;
  for (let round = -warmups; round < rounds; round += 1) {
    const shift = Math.max(round, 0);
    for (let index = 0; index < names.length; index += 1) {
      const name = names[(index + shift) % names.length];
      const value = await measures[name](round);
      if (round >= 0) samples[name].push(value);
    }
  }
  return samples;
}
