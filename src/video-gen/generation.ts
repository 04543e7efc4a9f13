import type {
  Generation as GenerationRow,
  GenerationSegment as SegmentRow,
} from '../generated/prisma/client.js';
import type { ProviderRef } from '../providers/video-provider.js';
import type { GenerationParams } from './generation-request.js';

/**
 * The generation and its segments as the rest of the code sees them, and the one home of their state machine.
 * Pure: the repository (generations.repository.ts) is the only code that moves a row from one state to the next,
 * and it does so only along the transitions listed here.
 */

export const GENERATION_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export const SEGMENT_STATUSES = [
  'PENDING',
  'SUBMITTING',
  'SUBMITTED',
  'SUBMIT_AMBIGUOUS',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type SegmentStatus = (typeof SEGMENT_STATUSES)[number];

/** Every allowed move of a generation; the three ended states have none. */
export const GENERATION_TRANSITIONS: Readonly<Record<GenerationStatus, readonly GenerationStatus[]>> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/**
 * Every allowed move of a segment. SUBMITTING and SUBMIT_AMBIGUOUS may end SUBMITTED without a new call: the
 * provider is asked whether it has the job (a submit is never repeated blindly, that can pay twice).
 */
export const SEGMENT_TRANSITIONS: Readonly<Record<SegmentStatus, readonly SegmentStatus[]>> = {
  PENDING: ['SUBMITTING', 'FAILED', 'CANCELLED'],
  SUBMITTING: ['SUBMITTED', 'SUBMIT_AMBIGUOUS', 'PENDING', 'FAILED', 'CANCELLED'],
  SUBMIT_AMBIGUOUS: ['SUBMITTED', 'PENDING', 'FAILED', 'CANCELLED'],
  SUBMITTED: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

/** The statuses a generation may move to `to` from: the compare-and-set guard of that transition. */
export function generationFrom(to: GenerationStatus): GenerationStatus[] {
  return GENERATION_STATUSES.filter((from) => GENERATION_TRANSITIONS[from].includes(to));
}

/** The statuses a segment may move to `to` from. */
export function segmentFrom(to: SegmentStatus): SegmentStatus[] {
  return SEGMENT_STATUSES.filter((from) => SEGMENT_TRANSITIONS[from].includes(to));
}

export function canMoveGeneration(from: GenerationStatus, to: GenerationStatus): boolean {
  return GENERATION_TRANSITIONS[from].includes(to);
}

export function canMoveSegment(from: SegmentStatus, to: SegmentStatus): boolean {
  return SEGMENT_TRANSITIONS[from].includes(to);
}

/**
 * Ended: succeeded, failed or cancelled, whatever the case of the status (the API's views use lower case).
 * The one rule for it; the CLI shares it.
 */
export function isTerminal(generation: { status: string }): boolean {
  const status = generation.status.toUpperCase() as GenerationStatus;
  return GENERATION_STATUSES.includes(status) && GENERATION_TRANSITIONS[status].length === 0;
}

/** The generation states that still hold a reservation (and may be cancelled or failed). */
export const ACTIVE_GENERATION_STATUSES: readonly GenerationStatus[] = GENERATION_STATUSES.filter(
  (status) => !isTerminal({ status }),
);
export const ENDED_GENERATION_STATUSES: readonly GenerationStatus[] = GENERATION_STATUSES.filter((status) =>
  isTerminal({ status }),
);
/** Segment states in which the provider has (or may have) the job: they count against its in-flight limit. */
export const AT_PROVIDER_SEGMENT_STATUSES: readonly SegmentStatus[] = [
  'SUBMITTING',
  'SUBMITTED',
  'SUBMIT_AMBIGUOUS',
];

export type Segment = Omit<SegmentRow, 'status' | 'providerRef'> & {
  status: SegmentStatus;
  providerRef: ProviderRef | null;
};

export type Generation = Omit<GenerationRow, 'status' | 'params'> & {
  status: GenerationStatus;
  params: GenerationParams;
  /** Ordered by index. */
  segments: Segment[];
};

/** A stored row as the domain type: the JSON columns are read here, once. */
export function toGeneration(row: GenerationRow & { segments: SegmentRow[] }): Generation {
  return {
    ...row,
    status: row.status as GenerationStatus,
    params: row.params as unknown as GenerationParams,
    segments: [...row.segments].sort((a, b) => a.index - b.index).map(toSegment),
  };
}

export function toSegment(row: SegmentRow): Segment {
  return {
    ...row,
    status: row.status as SegmentStatus,
    providerRef: (row.providerRef ?? null) as unknown as ProviderRef | null,
  };
}

/** A segment's finished video is stored: nothing more to do for it. */
export function isStored(segment: Pick<Segment, 'status' | 's3Key'>): boolean {
  return segment.status === 'SUCCEEDED' && segment.s3Key !== null;
}

/** True for a segment made by the model's native extend endpoint from the previous segment's video. */
export function isNativeExtension(params: GenerationParams, segment: Pick<Segment, 'index'>): boolean {
  return params.nativeExtendFrom !== undefined && segment.index >= params.nativeExtendFrom;
}
