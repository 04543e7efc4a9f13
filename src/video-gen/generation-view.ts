import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as Contract from '../common/api-contract.js';
import { FAILURE_CODES, type FailureCode } from '../common/failures/failure-code.js';
import { creditsToJson } from '../credits/credit-amount.js';
import type { Generation } from './generation.js';

export type GenerationStatusName = Contract.GenerationStatus;

export class SegmentView implements Contract.SegmentView {
  @ApiProperty() index!: number;
  @ApiProperty() status!: string;
  @ApiProperty() durationSeconds!: number;
  @ApiPropertyOptional() trimToSeconds?: number;
  @ApiPropertyOptional() progress?: number;
  @ApiPropertyOptional() queuePosition?: number;
  @ApiPropertyOptional() error?: string;
}

export class CreditsView implements Contract.GenerationCredits {
  @ApiProperty({ description: 'Credits reserved when the generation was created' }) reserved!: number;
  @ApiProperty({ description: 'Credits charged for what was delivered' }) used!: number;
  @ApiProperty({ description: 'Credits given back (failure, cancellation, undelivered segments)' })
  refunded!: number;
}

export class GenerationView implements Contract.GenerationView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['image-to-video', 'text-to-video', 'extend', 'chain'] }) kind!: string;
  @ApiProperty() model!: string;
  @ApiProperty({
    description:
      'True when a simulated provider made (or is making) this video: no real model, a SIMULATED label in the video',
  })
  simulated!: boolean;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
  status!: GenerationStatusName;
  @ApiProperty() prompt!: string;
  @ApiProperty({ example: '8s' }) duration!: string;
  @ApiPropertyOptional() projectId?: string;
  @ApiPropertyOptional() sourceImageKey?: string;
  @ApiPropertyOptional() parentId?: string;
  @ApiPropertyOptional({ description: '0..100' }) progress?: number;
  @ApiPropertyOptional({ description: 'Requests ahead at the provider, when it says' })
  queuePosition?: number;
  @ApiProperty({ type: [SegmentView] }) segments!: SegmentView[];
  @ApiProperty({ type: CreditsView }) credits!: CreditsView;
  @ApiPropertyOptional({
    enum: FAILURE_CODES,
    description: 'Why it failed; PARTIAL_RESULT on a chain that delivered its first segments only',
  })
  errorCode?: FailureCode;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional() s3Key?: string;
  @ApiPropertyOptional({ description: 'Presigned, short-lived' }) videoUrl?: string;
  @ApiPropertyOptional({ description: 'Presigned, short-lived' }) thumbnailUrl?: string;
  @ApiPropertyOptional() thumbnailKey?: string;
  @ApiPropertyOptional() durationSeconds?: number;
  @ApiPropertyOptional() width?: number;
  @ApiPropertyOptional() height?: number;
  @ApiPropertyOptional() bytes?: number;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() startedAt?: string;
  @ApiPropertyOptional() completedAt?: string;
  @ApiPropertyOptional({ description: 'Milliseconds from creation to completion' }) generationTime?: number;
}

/** A page of GET /video-gen/generations. */
export class GenerationPageView implements Contract.GenerationPage {
  @ApiProperty({ type: [GenerationView], description: 'Newest first' }) items!: GenerationView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

/** The API's view of a generation. Pure: presigned URLs are passed in by the caller. */
export function toGenerationView(
  generation: Generation,
  urls: { videoUrl?: string; thumbnailUrl?: string } = {},
  simulated = false,
): GenerationView {
  const { params } = generation;
  const segments = [...generation.segments].sort((a, b) => a.index - b.index);
  return compact({
    id: generation.id,
    kind: generation.kind.toLowerCase().replace(/_/g, '-'),
    model: generation.model,
    simulated,
    status: generation.status.toLowerCase() as GenerationStatusName,
    prompt: generation.prompt,
    duration: params.duration,
    projectId: generation.projectId ?? undefined,
    sourceImageKey: generation.sourceImageKey ?? undefined,
    parentId: generation.parentId ?? undefined,
    progress: generation.progress ?? undefined,
    queuePosition: generation.queuePosition ?? undefined,
    segments: segments.map((s) =>
      compact({
        index: s.index,
        status: s.status.toLowerCase().replace(/_/g, '-'),
        durationSeconds: Number(s.durationSeconds),
        trimToSeconds: s.trimToSeconds === null ? undefined : Number(s.trimToSeconds),
        progress: s.progress ?? undefined,
        queuePosition: s.queuePosition ?? undefined,
        error: s.error ?? undefined,
      }),
    ),
    credits: {
      reserved: creditsToJson(generation.creditsReserved),
      used: creditsToJson(generation.creditsCaptured),
      refunded: creditsToJson(generation.creditsRefunded),
    },
    // Written only from a GenerationFailure's code (or CANCELLED): always one of the union.
    errorCode: (generation.errorCode as FailureCode | null) ?? undefined,
    error: generation.error ?? undefined,
    s3Key: generation.s3Key ?? undefined,
    videoUrl: urls.videoUrl,
    thumbnailKey: generation.thumbnailKey ?? undefined,
    thumbnailUrl: urls.thumbnailUrl,
    durationSeconds: generation.durationSeconds === null ? undefined : Number(generation.durationSeconds),
    width: generation.width ?? undefined,
    height: generation.height ?? undefined,
    bytes: generation.bytes === null ? undefined : Number(generation.bytes),
    createdAt: generation.createdAt.toISOString(),
    startedAt: generation.startedAt?.toISOString(),
    completedAt: generation.completedAt?.toISOString(),
    generationTime: generation.completedAt
      ? generation.completedAt.getTime() - generation.createdAt.getTime()
      : undefined,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
