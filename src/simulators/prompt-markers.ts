import type { JobTiming } from './simulator-faults.js';

/**
 * Test values for simulated mode, like a payment sandbox's test cards: a marker anywhere in the prompt makes
 * the simulated provider behave a certain way, so front ends can exercise their failure screens. The real
 * providers never see these rules (they only exist in the simulators).
 */
export const PROMPT_MARKERS = [
  'moderation',
  'fail',
  'slow',
  'rate-limit',
  'submit-error',
  'timeout',
] as const;

export type PromptMarker = (typeof PROMPT_MARKERS)[number];

/** `[sim:slow]` jobs take about this long from acceptance to result. */
export const SLOW_JOB_MS = 120_000;

/** `[sim:rate-limit]`: submits of that prompt answer 429 for this long after its first submit. */
export const RATE_LIMIT_WINDOW_MS = 10_000;
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

/** The markers present in a prompt (`[sim:<name>]`, case-insensitive). Pure. */
export function promptMarkers(prompt: unknown): Set<PromptMarker> {
  const found = new Set<PromptMarker>();
  if (typeof prompt !== 'string') return found;
  for (const match of prompt.matchAll(/\[sim:([a-z-]+)\]/gi)) {
    const name = match[1].toLowerCase() as PromptMarker;
    if ((PROMPT_MARKERS as readonly string[]).includes(name)) found.add(name);
  }
  return found;
}

/** How a job's prompt changes its outcome and timing; stored with the job. */
export interface JobMarkers {
  outcome?: 'moderation' | 'generation-failure';
  /** `slow`: about two minutes; `never`: stays in progress for ever. */
  pace?: 'slow' | 'never';
}

/** The job-level part of a prompt's markers. Pure. */
export function jobMarkers(markers: Set<PromptMarker>): JobMarkers {
  return {
    outcome: markers.has('moderation')
      ? 'moderation'
      : markers.has('fail')
        ? 'generation-failure'
        : undefined,
    pace: markers.has('timeout') ? 'never' : markers.has('slow') ? 'slow' : undefined,
  };
}

/** The timing a job with this pace follows. Pure. */
export function timingFor(timing: JobTiming, pace: JobMarkers['pace']): JobTiming {
  if (pace === 'never') return { queueMs: timing.queueMs, runMs: Number.POSITIVE_INFINITY };
  if (pace === 'slow') {
    const queueMs = Math.min(timing.queueMs, SLOW_JOB_MS / 4);
    return { queueMs, runMs: Math.max(timing.runMs, SLOW_JOB_MS - queueMs) };
  }
  return timing;
}

/**
 * What a submit of this prompt answers before the job is accepted: `submit-error` always a transient 503,
 * `rate-limit` a 429 while within RATE_LIMIT_WINDOW_MS of the prompt's first submit. Pure.
 */
export function submitRefusal(
  markers: Set<PromptMarker>,
  firstSeenAt: number | undefined,
  now: number,
): { kind: 'server-error'; status: 503 } | { kind: 'rate-limit'; retryAfterSeconds: number } | undefined {
  if (markers.has('submit-error')) return { kind: 'server-error', status: 503 };
  if (markers.has('rate-limit') && (firstSeenAt === undefined || now - firstSeenAt < RATE_LIMIT_WINDOW_MS)) {
    return { kind: 'rate-limit', retryAfterSeconds: RATE_LIMIT_RETRY_AFTER_SECONDS };
  }
  return undefined;
}
