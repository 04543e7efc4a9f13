import { Decimal } from '../../src/credits/credit-amount.js';
import type { Generation, GenerationStatus, Segment, SegmentStatus } from '../../src/video-gen/generation.js';

/** In-memory domain generations for pure specs: only what a spec names differs from a plain running one. */
export function aSegment(index: number, status: SegmentStatus, overrides: Partial<Segment> = {}): Segment {
  const atProvider = status === 'SUBMITTED' || status === 'SUCCEEDED';
  return {
    id: `s${index}`,
    generationId: 'g1',
    index,
    status,
    prompt: 'a prompt',
    durationSeconds: new Decimal(8),
    trimToSeconds: null,
    provider: 'fal',
    providerRef: atProvider ? { provider: 'fal', endpoint: 'fal-ai/veo3', requestId: `r${index}` } : null,
    progress: null,
    queuePosition: null,
    s3Key: status === 'SUCCEEDED' ? `videos/u1/g1-${index}.mp4` : null,
    lastFrameKey: null,
    errorCode: null,
    error: null,
    attempts: 0,
    nextPollAt: null,
    pollAttempts: 0,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    submittedAt: null,
    completedAt: null,
    ...overrides,
  };
}

export function aGeneration(
  status: GenerationStatus,
  segments: Segment[],
  overrides: Partial<Generation> = {},
): Generation {
  return {
    id: 'g1',
    userId: 'u1',
    kind: 'CHAIN',
    model: 'veo3',
    status,
    prompt: 'a prompt',
    params: {
      kind: 'text-to-video',
      prompt: 'a prompt',
      duration: `${segments.length * 8}s`,
      durationSeconds: segments.length * 8,
    } as Generation['params'],
    projectId: null,
    sourceImageKey: null,
    parentId: null,
    idempotencyKey: null,
    requestHash: null,
    creditsReserved: new Decimal(30),
    creditsCaptured: new Decimal(0),
    creditsRefunded: new Decimal(0),
    progress: null,
    queuePosition: null,
    errorCode: null,
    error: null,
    s3Key: null,
    thumbnailKey: null,
    lastFrameKey: null,
    durationSeconds: null,
    width: null,
    height: null,
    bytes: null,
    deadlineAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    startedAt: null,
    completedAt: null,
    storingAt: null,
    deletedAt: null,
    eventSeq: 0,
    webhookUrl: null,
    webhookEvents: [],
    segments,
    ...overrides,
  };
}
