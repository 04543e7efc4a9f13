import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  buildMessage,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateBy,
  ValidateNested,
  ValidationArguments,
  ValidationOptions,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import type { Crop } from '../../../common/crop.js';
import { WEBHOOK_EVENT_TYPES } from '../../generation-events.js';
import { WEBHOOK_URL_MAX_LENGTH } from '../../../webhooks/webhook-url.js';

/** The seed's durations; every model lists its own (GET /video-gen/models), checked against the model. */
export const SEED_DURATIONS = ['5s', '8s', '10s'] as const;
export type SeedDuration = string;
/** Whole seconds with an "s" ("7s", "15s"); whether the chosen model can make it is checked against the catalog. */
const DURATION_LABEL = /^[1-9]\d{0,3}s$/;
const ASPECT_RATIO = /^(auto|[1-9]\d?:[1-9]\d?)$/;
const RESOLUTION = /^([1-9]\d{2,3}p|[1-9]k)$/;
export const GENERATION_KINDS = ['image-to-video', 'text-to-video'] as const;
export type GenerationKindName = (typeof GENERATION_KINDS)[number];

@ValidatorConstraint({ name: 'cropOrder' })
class CropOrder implements ValidatorConstraintInterface {
  validate(value: number, args: ValidationArguments): boolean {
    const crop = args.object as CropDto;
    const low = args.property === 'right' ? crop.left : crop.top;
    return typeof value !== 'number' || typeof low !== 'number' || value > low;
  }
  defaultMessage(args: ValidationArguments): string {
    // Nest prefixes nested messages with the parent's name ("crop.").
    return args.property === 'right'
      ? 'right must be greater than crop.left'
      : 'bottom must be greater than crop.top';
  }
}

/** Text with something in it besides whitespace: providers refuse a blank prompt, after we would have charged. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value.trim().length > 0,
        defaultMessage: buildMessage(
          (each) => `${each}$property should not be blank (only whitespace)`,
          options,
        ),
      },
    },
    options,
  );
}

/** Where the image sits in the frame, as fractions of its width and height (seed 000's crop_bounds). */
export class CropDto implements Crop {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0 })
  @Max(1)
  @Min(0)
  @IsNumber()
  left!: number;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0 })
  @Max(1)
  @Min(0)
  @IsNumber()
  top!: number;

  @ApiProperty({ minimum: 0, maximum: 1, example: 1 })
  @Validate(CropOrder)
  @Max(1)
  @Min(0)
  @IsNumber()
  right!: number;

  @ApiProperty({ minimum: 0, maximum: 1, example: 1 })
  @Validate(CropOrder)
  @Max(1)
  @Min(0)
  @IsNumber()
  bottom!: number;
}

/** Fields every create endpoint shares. Validation stops at the first failure per field (seed 002's messages). */
export class GenerationOptionsDto {
  @ApiProperty({ example: 'A beautiful sunset over the ocean with gentle waves', maxLength: 4000 })
  @MaxLength(4000)
  @IsNotBlank()
  @IsString()
  @IsNotEmpty()
  prompt!: string;

  @ApiPropertyOptional({
    example: '8s',
    default: '8s',
    description:
      'Whole seconds, e.g. 5s, 8s, 10s (the seed’s); the model’s segmentDurations say what it makes',
  })
  @IsOptional()
  @Matches(DURATION_LABEL, { message: 'duration must be whole seconds such as 5s, 8s or 10s' })
  @IsString({ message: 'duration must be whole seconds such as 5s, 8s or 10s' })
  duration?: SeedDuration;

  @ApiPropertyOptional({ example: 'project-456', maxLength: 200 })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  projectId?: string;

  @ApiPropertyOptional({ example: 'veo3', description: 'A model from GET /video-gen/models; default veo3' })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  @IsNotEmpty()
  model?: string;

  @ApiPropertyOptional({ example: '16:9', description: 'auto or W:H; the model’s aspectRatios say which' })
  @IsOptional()
  @Matches(ASPECT_RATIO, { message: 'aspectRatio must be auto or a ratio such as 16:9' })
  @IsString({ message: 'aspectRatio must be auto or a ratio such as 16:9' })
  aspectRatio?: string;

  @ApiPropertyOptional({
    example: '720p',
    description: 'e.g. 720p, 1080p, 4k; the model’s resolutions say which',
  })
  @IsOptional()
  @Matches(RESOLUTION, { message: 'resolution must look like 720p, 1080p or 4k' })
  @IsString({ message: 'resolution must look like 720p, 1080p or 4k' })
  resolution?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  generateAudio?: boolean;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @MaxLength(2000)
  @IsString()
  negativePrompt?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 4294967295 })
  @IsOptional()
  @Max(4294967295)
  @Min(0)
  @IsInt()
  seed?: number;

  @ApiPropertyOptional({
    maxLength: WEBHOOK_URL_MAX_LENGTH,
    example: 'https://example.com/hooks/video',
    description:
      'Where to POST signed webhooks (Standard Webhooks; verify with GET /webhooks/secret). https and a public ' +
      'address in production; http and loopback too when WEBHOOKS_ALLOW_PRIVATE=true (the development default).',
  })
  @IsOptional()
  @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  @IsString()
  webhookUrl?: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    description:
      'Which events to send; default the end of the generation (generation.succeeded, .failed, .cancelled). ' +
      'generation.progress and generation.segment are opt-in.',
  })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsArray()
  webhookEvents?: string[];
}

/** Seed 002's body, plus seed 000's frame index and crop bounds. */
export class ImageToVideoDto extends GenerationOptionsDto {
  @ApiProperty({
    description: 'S3 key of the source image (from POST /uploads/images)',
    example: 'images/user123/source-image.png',
  })
  @MaxLength(1024)
  @IsString()
  @IsNotEmpty()
  id!: string;

  @ApiPropertyOptional({ minimum: 0, description: 'Frame where the image appears (seed 000); 0 = the start' })
  @IsOptional()
  @Min(0)
  @IsInt()
  frameIndex?: number;

  @ApiPropertyOptional({ type: CropDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CropDto)
  crop?: CropDto;
}

export class TextToVideoDto extends GenerationOptionsDto {}

/** The asynchronous API's body: either kind, with `id` required for image-to-video. */
export class CreateGenerationDto extends GenerationOptionsDto {
  @ApiProperty({ enum: GENERATION_KINDS })
  @IsIn(GENERATION_KINDS)
  kind!: GenerationKindName;

  @ApiPropertyOptional({ description: 'S3 key of the source image; required for image-to-video' })
  @IsOptional()
  @MaxLength(1024)
  @IsString()
  @IsNotEmpty()
  id?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @Min(0)
  @IsInt()
  frameIndex?: number;

  @ApiPropertyOptional({ type: CropDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CropDto)
  crop?: CropDto;
}

/**
 * Seed 000's "video extension": the original followed by a new segment made from its last frame. Prompt,
 * duration and model follow a generation's rules; only their documentation differs.
 */
export class ExtendGenerationDto extends PickType(GenerationOptionsDto, [
  'prompt',
  'duration',
  'model',
  'webhookUrl',
  'webhookEvents',
] as const) {
  @ApiPropertyOptional({
    example: '8s',
    description:
      'Length of the new part; default 8s, or the fixed extension length (7s) on a model that extends natively',
  })
  declare duration?: SeedDuration;

  @ApiPropertyOptional({ description: 'Default: the original generation’s model' })
  declare model?: string;
}

export const TRANSITIONS = ['cut', 'crossfade'] as const;

/** Seed 000's `chain_videos.py "prompt" --duration 36`: one long video from chained segments. */
export class CreateChainDto extends PickType(GenerationOptionsDto, [
  'model',
  'webhookUrl',
  'webhookEvents',
] as const) {
  @ApiPropertyOptional({ example: 'A journey through the mountains', maxLength: 4000 })
  @IsOptional()
  @MaxLength(4000)
  @IsNotBlank()
  @IsString()
  @IsNotEmpty()
  prompt?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'One prompt per segment; the last one is reused when there are more segments than prompts',
  })
  @IsOptional()
  @ValidateBy({
    name: 'notWithPrompt',
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as CreateChainDto | undefined)?.prompt === undefined,
      defaultMessage: () => 'send either prompt or prompts, not both',
    },
  })
  @MaxLength(4000, { each: true })
  @IsNotBlank({ each: true })
  @IsNotEmpty({ each: true })
  @IsString({ each: true })
  @ArrayMaxSize(50)
  @ArrayNotEmpty()
  @IsArray()
  prompts?: string[];

  @ApiProperty({ example: 36, description: 'Seconds; at most CHAIN_MAX_SECONDS' })
  @Max(3600)
  @Min(1)
  @IsInt()
  totalDuration!: number;

  @ApiPropertyOptional({
    example: 'veo3.1',
    description: 'Default veo3.1 (seed 000 used Sora 2, now retired)',
  })
  declare model?: string;

  @ApiPropertyOptional({ description: 'S3 key of an uploaded image to start from' })
  @IsOptional()
  @MaxLength(1024)
  @IsString()
  @IsNotEmpty()
  imageId?: string;

  @ApiPropertyOptional({ enum: TRANSITIONS, default: 'cut' })
  @IsOptional()
  @IsIn(TRANSITIONS)
  transition?: (typeof TRANSITIONS)[number];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  projectId?: string;
}
