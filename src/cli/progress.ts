import type { GenerationView } from './service-types.js';

/** Overall percent done (0..100), or undefined while the service has not said. */
export function overallProgress(view: GenerationView): number | undefined {
  if (view.status === 'succeeded') return 100;
  if (typeof view.progress === 'number') return clamp(view.progress, 0, 100);
  const segments = view.segments ?? [];
  if (segments.length > 1) {
    const done = segments.filter((s) => s.status === 'succeeded').length;
    const current = currentSegment(view);
    const partial =
      current && typeof current.segment.progress === 'number' ? current.segment.progress / 100 : 0;
    return clamp(((done + partial) / segments.length) * 100, 0, 100);
  }
  return undefined;
}

/** The segment being made (the first not yet succeeded), as "position of count", for multi-segment videos. */
export function currentSegment(view: GenerationView) {
  const segments = [...(view.segments ?? [])].sort((a, b) => a.index - b.index);
  if (segments.length < 2) return undefined;
  const position = segments.findIndex((s) => s.status !== 'succeeded');
  const at = position === -1 ? segments.length - 1 : position;
  return { position: at + 1, count: segments.length, segment: segments[at] };
}

function queuePosition(view: GenerationView): number | undefined {
  return view.queuePosition ?? currentSegment(view)?.segment.queuePosition;
}

/**
 * "running, segment 2/3, 52%": the state in words, without timing. With `percentStep`, the percent is rounded
 * down to that step, so a log gets a line per meaningful change rather than one per percent.
 */
export function describeState(view: GenerationView, opts: { percentStep?: number } = {}): string {
  const parts: string[] = [view.status];
  const segment = currentSegment(view);
  if (segment && (view.status === 'running' || view.status === 'queued')) {
    parts.push(`segment ${segment.position}/${segment.count}`);
  }
  const position = queuePosition(view);
  if (position !== undefined && view.status === 'queued') parts.push(`queue position ${position}`);
  const percent = overallProgress(view);
  const step = opts.percentStep ?? 1;
  if (percent !== undefined && view.status === 'running') parts.push(`${Math.floor(percent / step) * step}%`);
  return parts.join(', ');
}

/** m:ss, or h:mm:ss from an hour. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** One line per change when stderr is not a terminal (logs, CI): `[0:12] <id> running, segment 2/3, 52%`. */
export function formatPlainLine(view: GenerationView, elapsedMs: number, percentStep = 1): string {
  return `[${formatElapsed(elapsedMs)}] ${view.id} ${describeState(view, { percentStep })}`;
}

const BAR_MIN = 10;
const BAR_MAX = 30;

/**
 * The live line on a terminal, redrawn in place: `running  segment 2/3  [██████░░░░]  52%  0:41`. Never wider
 * than `columns - 1`, because a line that wraps cannot be redrawn with a carriage return.
 */
export function formatProgressBar(
  view: GenerationView,
  opts: { columns: number; elapsedMs: number },
): string {
  const percent = overallProgress(view);
  const details: string[] = [];
  const segment = currentSegment(view);
  if (segment && !isFinished(view)) details.push(`segment ${segment.position}/${segment.count}`);
  const position = queuePosition(view);
  if (position !== undefined && view.status === 'queued') details.push(`queue position ${position}`);
  const head = [view.status.padEnd(9), ...details].join('  ');
  const tail = `${percent === undefined ? ' --' : String(Math.floor(percent)).padStart(3)}%  ${formatElapsed(opts.elapsedMs)}`;
  const room = opts.columns - 1 - head.length - tail.length - 6;
  const line =
    room >= BAR_MIN
      ? `${head}  [${bar(percent ?? 0, Math.min(room, BAR_MAX))}]  ${tail}`
      : `${head}  ${tail}`;
  return line.length > opts.columns - 1 ? line.slice(0, Math.max(0, opts.columns - 1)) : line;
}

function bar(percent: number, width: number): string {
  const filled = Math.round((percent / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function isFinished(view: GenerationView): boolean {
  return view.status === 'succeeded' || view.status === 'failed' || view.status === 'cancelled';
}

/** 1.4 MB, 812 kB, 96 B (decimal units, like the file managers people compare with). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** What `generate`, `extend` and `chain` print on stdout when the video is saved. */
export function formatSummary(opts: {
  view: GenerationView;
  path: string;
  bytes: number;
  balance?: number;
}): string {
  const { view } = opts;
  const shape = [
    view.model,
    view.kind,
    view.durationSeconds !== undefined ? formatSeconds(view.durationSeconds) : view.duration,
    view.width && view.height ? `${view.width}x${view.height}` : undefined,
  ].filter(Boolean);
  const credits = `credits used: ${view.credits.used}${view.credits.refunded > 0 ? ` (refunded ${view.credits.refunded})` : ''}`;
  // A chain whose later segment failed for good still delivers the segments made so far (PARTIAL_RESULT).
  const partial = view.error ? [`partial result: ${view.error}`] : [];
  return [
    `generation ${view.id} succeeded (${shape.join(', ')})`,
    ...partial,
    opts.balance === undefined ? credits : `${credits}, balance ${opts.balance}`,
    `saved ${opts.path} (${formatBytes(opts.bytes)})`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}

/** `video-gen status`: the view as aligned fields. */
export function formatStatus(view: GenerationView): string {
  const rows: Array<[string, string | undefined]> = [
    ['id', view.id],
    ['kind', view.kind],
    ['model', view.model],
    ['status', describeState(view)],
    ['prompt', view.prompt],
    ['duration', view.durationSeconds !== undefined ? formatSeconds(view.durationSeconds) : view.duration],
    ['size', view.width && view.height ? `${view.width}x${view.height}` : undefined],
    ['bytes', view.bytes !== undefined ? formatBytes(view.bytes) : undefined],
    [
      'segments',
      (view.segments ?? []).length > 1
        ? view.segments.map((s) => `${s.index + 1}:${s.status}`).join(' ')
        : undefined,
    ],
    [
      'credits',
      `reserved ${view.credits.reserved}, used ${view.credits.used}, refunded ${view.credits.refunded}`,
    ],
    ['error', view.error ? `${view.error}${view.errorCode ? ` [${view.errorCode}]` : ''}` : undefined],
    ['created', view.createdAt],
    ['completed', view.completedAt],
    ['video', view.videoUrl ? 'ready (download with -o file.mp4)' : undefined],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '')
    .map(([name, value]) => `${name.padEnd(10)}${value}\n`)
    .join('');
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
