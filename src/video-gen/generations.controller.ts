import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { IsCursor } from '../common/cursor.js';
import { IsStorableText } from '../common/json-body.js';
import { AppConfig } from '../config/app-config.js';
import { CreateChainDto, CreateGenerationDto, ExtendGenerationDto } from './dto/create-generation.dto.js';
import { followGeneration } from './generation-waiter.js';
import { GenerationPageView, GenerationView, isTerminal } from './generation-view.js';
import { GenerationResults } from './generation-results.service.js';
import { GenerationsService } from './generations.service.js';
import { IDEMPOTENCY_HEADER, markReplayed, REPLAYED_RESPONSE_HEADERS } from './idempotency.js';
import { CONTENT_VARIANTS, type ContentVariant } from './result-objects.js';

export class ListGenerationsQuery {
  @IsOptional() @IsCursor() cursor?: string;
  @IsOptional() @Type(() => Number) @Max(100) @Min(1) @IsInt() limit?: number;
  @IsOptional() @IsIn(['queued', 'running', 'succeeded', 'failed', 'cancelled']) status?: string;
  @IsOptional() @IsStorableText() @MaxLength(200) @IsString() projectId?: string;
}

export class ContentQuery {
  @ApiPropertyOptional({ enum: CONTENT_VARIANTS, default: 'video' })
  @IsOptional()
  @IsIn(CONTENT_VARIANTS)
  variant?: ContentVariant;
}

const IDEMPOTENCY_CONFLICT = 'The Idempotency-Key was already used with a different request';

/** Seed 000's automated chaining: one long video from segments made one after another. */
@ApiTags('generations')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@Controller('video-gen/chains')
export class ChainsController {
  constructor(@Inject(GenerationsService) private readonly generations: GenerationsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue a long video made of chained segments (each from the previous one’s last frame)',
    description:
      'All segments are reserved up front. If a segment fails for good, the segments made so far are stitched and ' +
      'delivered (errorCode PARTIAL_RESULT) and the rest is refunded.',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse({ status: 202, type: GenerationView, headers: REPLAYED_RESPONSE_HEADERS })
  @ApiErrors(400, [403, 'The image key is outside your own prefix'], [409, IDEMPOTENCY_CONFLICT])
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateChainDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerationView> {
    const { generation, replayed, headers } = await this.generations.createChain(user, body, idempotencyKey);
    markReplayed(res, replayed);
    res.set(headers);
    res.setHeader('Location', `/video-gen/generations/${generation.id}`);
    return this.generations.view(generation);
  }
}

/** The asynchronous API: create, follow, list and cancel generations. */
@ApiTags('generations')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@ApiExtraModels(GenerationView)
@Controller('video-gen/generations')
export class GenerationsController {
  constructor(
    @Inject(GenerationsService) private readonly generations: GenerationsService,
    @Inject(GenerationResults) private readonly results: GenerationResults,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue a generation; answers as soon as the credits are reserved and the job is queued',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse({ status: 202, type: GenerationView, headers: REPLAYED_RESPONSE_HEADERS })
  @ApiErrors(400, [403, 'The image key is outside your own prefix'], [409, IDEMPOTENCY_CONFLICT])
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateGenerationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerationView> {
    const { kind, model, ...fields } = body;
    const { generation, replayed, headers } = await this.generations.create({
      user,
      kind,
      modelName: model,
      fields,
      endpoint: 'POST /video-gen/generations',
      body,
      idempotencyKey,
    });
    markReplayed(res, replayed);
    res.set(headers);
    res.setHeader('Location', `/video-gen/generations/${generation.id}`);
    return this.generations.view(generation);
  }

  @Get()
  @ApiOperation({ summary: 'Your generations, newest first' })
  @ApiOkResponse({ type: GenerationPageView })
  @ApiErrors([400, 'An invalid cursor, limit or status'])
  async list(
    @CurrentUser() user: AuthUser,
    @Query() query: ListGenerationsQuery,
  ): Promise<GenerationPageView> {
    const page = await this.generations.list(user, query);
    return {
      items: await Promise.all(page.items.map((g) => this.generations.view(g))),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, progress, credits and, when done, presigned video and thumbnail URLs' })
  @ApiResponse({ status: 200, type: GenerationView })
  @ApiErrors(404)
  async get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<GenerationView> {
    return this.generations.view(await this.generations.get(user, id));
  }

  @Get(':id/content')
  @ApiOperation({
    summary: 'A stable link to a finished generation’s video, thumbnail or last frame',
    description:
      'Redirects (302) to a freshly presigned URL of the stored file, so the link itself never expires. ' +
      'Your own generations only; 404 when the generation has no such file (not finished, or deleted).',
  })
  @ApiResponse({ status: 302, description: 'Location: a presigned URL, valid for a few minutes' })
  @ApiErrors(
    [400, 'An unknown variant'],
    [404, 'No such generation of yours, or no such file for it (not finished, or deleted)'],
  )
  async content(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() query: ContentQuery,
    @Res() res: Response,
  ): Promise<void> {
    const url = await this.results.contentUrl(user, id, query.variant ?? 'video');
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, url);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a finished, failed or cancelled generation and its stored files',
    description:
      'Removes the video, thumbnail and frames from storage; later reads answer 404. The credit ledger keeps ' +
      'its entries. 409 while the generation is queued or running (cancel it first).',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrors(404, [409, 'Still queued or running (cancel it first), or an extension of it is running'])
  async delete(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    await this.results.delete(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel at the provider when possible and refund what was not delivered' })
  @ApiOkResponse({ type: GenerationView, description: 'The generation, now cancelled' })
  @ApiErrors(404, [409, 'The generation has already finished (succeeded, failed or cancelled)'])
  async cancel(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<GenerationView> {
    return this.generations.view(await this.generations.cancel(user, id));
  }

  @Post(':id/extend')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Extend a finished video: the original followed by a new segment made from its last frame',
    description: 'A new generation, billed for the new part only (seed 000, "video extension").',
  })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiResponse({ status: 202, type: GenerationView, headers: REPLAYED_RESPONSE_HEADERS })
  @ApiErrors(400, 404, [
    409,
    `The generation to extend has not succeeded, or ${IDEMPOTENCY_CONFLICT.toLowerCase()}`,
  ])
  async extend(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() body: ExtendGenerationDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerationView> {
    const { generation, replayed, headers } = await this.generations.extend(user, id, body, idempotencyKey);
    markReplayed(res, replayed);
    res.set(headers);
    res.setHeader('Location', `/video-gen/generations/${generation.id}`);
    return this.generations.view(generation);
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Server-Sent Events: one `status` event per change, ending at a terminal state' })
  @ApiOkResponse({
    description:
      'A text/event-stream. Each `status` event carries the generation (a GenerationView) as JSON in `data`; ' +
      'after the terminal state comes one `end` event (`data: {}`) and the stream closes. Comment lines ' +
      '(`: keep-alive`) are sent every 15 s.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: `Server-Sent Events; each status event's data is ${getSchemaPath(GenerationView)}`,
          example:
            'event: status\nid: 1764633600000\ndata: {"id":"0b9c…","status":"running","progress":40,…}\n\n' +
            'event: status\nid: 1764633660000\ndata: {"id":"0b9c…","status":"succeeded",…}\n\n' +
            'event: end\ndata: {}\n\n',
        },
      },
    },
  })
  @ApiErrors(404)
  async events(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.generations.get(user, id); // 404 before the stream starts
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const closed = new AbortController();
    req.on('close', () => closed.abort());
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    try {
      for await (const generation of followGeneration(() => this.generations.load(id), {
        intervalMs: this.config.generation.eventsIntervalMs,
        signal: closed.signal,
      })) {
        const view = await this.generations.view(generation);
        res.write(`event: status\nid: ${Date.now()}\ndata: ${JSON.stringify(view)}\n\n`);
        if (isTerminal(generation)) res.write('event: end\ndata: {}\n\n');
      }
    } finally {
      clearInterval(heartbeat);
      res.end();
    }
  }
}
