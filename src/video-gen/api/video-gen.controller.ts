import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  InternalServerErrorException,
  Post,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../auth/auth-user.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { ApiErrors } from '../../common/api-errors.decorator.js';
import { AppConfig } from '../../config/app-config.js';
import { creditsToJson } from '../../credits/credit-amount.js';
import { CreditsService } from '../../credits/credits.service.js';
import type { GenerationKind } from '../../providers/model-catalog.types.js';
import { ImageToVideoDto, TextToVideoDto } from './dto/create-generation.dto.js';
import { GenerationEventFeed, isTerminalEvent } from '../generation-event-feed.js';
import { type Generation, isTerminal } from '../generation.js';
import { GenerationsService } from './generations.service.js';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency-key.js';
import { IDEMPOTENCY_HEADER, markReplayed, REPLAYED_RESPONSE_HEADERS } from './idempotency.js';

class SyncCredits {
  @ApiProperty({ example: 750 }) used!: number;
  @ApiProperty({ example: 150.0 }) balance!: number;
}

/** Seed 002's success body. */
export class SyncGenerationResponse {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty({ description: 'The generation, for GET /video-gen/generations/:id' }) id!: string;
  @ApiProperty({ example: 'videos/user123/0b9c….mp4' }) s3Key!: string;
  @ApiProperty({ example: 'veo3' }) model!: string;
  @ApiProperty({ type: SyncCredits }) credits!: SyncCredits;
  @ApiProperty({ example: '8s' }) duration!: string;
  @ApiProperty({ example: 45000, description: 'Milliseconds' }) generationTime!: number;
  @ApiProperty({ description: 'True when a simulated provider made this video (see README, Simulated mode)' })
  simulated!: boolean;
}

/** Answer when the generation outlives SYNC_WAIT_TIMEOUT_MS: it continues, credits stay reserved. */
export class StillRunningResponse {
  @ApiProperty({ example: false }) success!: false;
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'running' }) status!: string;
  @ApiProperty({ example: '/video-gen/generations/0b9c…' }) statusUrl!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ description: 'True when a simulated provider is making this video' }) simulated!: boolean;
}

/**
 * Seed 002's synchronous endpoints, built on the asynchronous pipeline: the request creates a generation
 * and waits for it. A client that disconnects does not cancel it.
 */
@ApiTags('video-gen')
@ApiBearerAuth()
@ApiErrors(
  400,
  [403, 'The image key is outside your own prefix'],
  [409, 'The Idempotency-Key was already used with a different request'],
  401,
  429,
  503,
)
@Controller('video-gen')
export class VideoGenController {
  constructor(
    @Inject(GenerationsService) private readonly generations: GenerationsService,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(GenerationEventFeed) private readonly feed: GenerationEventFeed,
  ) {}

  @Post('image-to-video')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Generate a video from an uploaded image and wait for it (seed 002)' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse({ status: 200, type: SyncGenerationResponse, headers: REPLAYED_RESPONSE_HEADERS })
  @ApiResponse({
    status: 202,
    type: StillRunningResponse,
    description: 'Still running after SYNC_WAIT_TIMEOUT_MS',
  })
  imageToVideo(
    @CurrentUser() user: AuthUser,
    @Body() body: ImageToVideoDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.generateAndWait('image-to-video', user, body, idempotencyKey, res);
  }

  @Post('text-to-video')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Generate a video from a prompt and wait for it' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse({ status: 200, type: SyncGenerationResponse, headers: REPLAYED_RESPONSE_HEADERS })
  @ApiResponse({ status: 202, type: StillRunningResponse })
  textToVideo(
    @CurrentUser() user: AuthUser,
    @Body() body: TextToVideoDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.generateAndWait('text-to-video', user, body, idempotencyKey, res);
  }

  private async generateAndWait(
    kind: GenerationKind,
    user: AuthUser,
    body: ImageToVideoDto | TextToVideoDto,
    idempotencyKey: string | undefined,
    res: Response,
  ): Promise<SyncGenerationResponse | StillRunningResponse> {
    const { model, ...fields } = body;
    const {
      generation: created,
      replayed,
      headers,
    } = await this.generations.create({
      user,
      kind,
      modelName: model,
      fields,
      endpoint: `POST /video-gen/${kind}`,
      body,
      idempotencyKey,
    });
    markReplayed(res, replayed);
    res.set(headers);
    // Sleeps on the change feed until the generation's terminal event (or the deadline): no polling.
    if (!isTerminal(created)) {
      for await (const event of this.feed.follow(created.id, 0, {
        deadline: Date.now() + this.config.generation.syncWaitTimeoutMs,
      })) {
        if (isTerminalEvent(event)) break;
      }
    }
    const generation: Generation = await this.generations.load(created.id);
    if (!isTerminal(generation)) {
      res.status(HttpStatus.ACCEPTED);
      res.setHeader('Location', `/video-gen/generations/${generation.id}`);
      return {
        success: false,
        id: generation.id,
        status: generation.status.toLowerCase(),
        statusUrl: `/video-gen/generations/${generation.id}`,
        message:
          'Still generating; follow statusUrl (or its /events stream). Your credits stay reserved until it ends.',
        simulated: this.generations.isSimulated(generation),
      };
    }
    const label = kind === 'image-to-video' ? 'Image-to-video' : 'Text-to-video';
    if (generation.status !== 'SUCCEEDED' || !generation.s3Key) {
      throw new InternalServerErrorException(
        `${label} generation failed: ${generation.error ?? generation.status.toLowerCase()}`,
      );
    }
    const balance = await this.credits.balance(user.id);
    return {
      success: true,
      id: generation.id,
      s3Key: generation.s3Key,
      model: generation.model,
      credits: { used: creditsToJson(generation.creditsCaptured), balance: creditsToJson(balance) },
      duration: generation.params.duration,
      generationTime: (generation.completedAt ?? new Date()).getTime() - generation.createdAt.getTime(),
      simulated: this.generations.isSimulated(generation),
    };
  }
}
