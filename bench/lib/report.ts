import type { Spread } from './stats.js';

/** One figure of the suite: the measured thing and its same-run baseline. */
export interface Figure {
  section: string;
  name: string;
  unit: string;
  value: Spread;
  baseline?: { name: string; value: Spread };
  /** value.median / baseline.median */
  ratio?: number;
  /** The better direction, so a reader knows whether a higher ratio is worse. */
  better: 'higher' | 'lower';
  target?: string;
  met?: boolean;
  note?: string;
}

const fmt = (value: number) =>
  Number.isNaN(value) ? 'n/a' : Math.abs(value) >= 100 ? String(Math.round(value)) : String(value);
const cell = (s: Spread) => `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;

/** The Markdown table the README shows: one line per figure, baseline and ratio beside it. */
export function markdownTable(figures: Figure[]): string {
  const lines = [
    '| figure | median (min-max) | baseline | baseline median (min-max) | ratio | target |',
    '| --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const figure of figures) {
    const target = figure.target ? `${figure.target}: ${figure.met ? 'met' : '**not met**'}` : '';
    lines.push(
      `| ${figure.name} [${figure.unit}] | ${cell(figure.value)} | ${figure.baseline?.name ?? ''} | ` +
        `${figure.baseline ? cell(figure.baseline.value) : ''} | ${figure.ratio ?? 'n/a'} | ${target} |`,
    );
  }
  return lines.join('\n');
}
