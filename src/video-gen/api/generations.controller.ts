import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../auth/auth-user.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import type * as Contract from '../../common/api-contract.js';
import { ApiErrors } from '../../common/api-errors.decorator.js';
import { IsCursor } from '../../common/cursor.js';
import { IsStorableText } from '../../common/json-body.js';
import { AppConfig } from '../../config/app-config.js';
import { CreateChainDto, CreateGenerationDto, ExtendGenerationDto } from './dto/create-generation.dto.js';
import { Public } from '../../auth/public.decorator.js';
import { WebhooksService } from '../../webhooks/webhooks.service.js';
import { GenerationEventFeed, isTerminalEvent } from '../generation-event-feed.js';
import { GenerationEventView, WebhookDeliveryView } from '../generation-events.js';
import { isTerminal } from '../generation.js';
import { GenerationPageView, GenerationView } from '../generation-view.js';
import { GenerationResults } from './generation-results.service.js';
import { GenerationsService } from './generations.service.js';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency-key.js';
import { IDEMPOTENCY_HEADER, markReplayed, REPLAYED_RESPONSE_HEADERS } from './idempotency.js';
import { CONTENT_VARIANTS, type ContentVariant } from './result-objects.js';
import { StreamLimiter } from './stream-limiter.js';
import { StreamTokensRepository } from './stream-tokens.repository.js';

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

export class StreamTokenResponse implements Contract.StreamToken {
  @ApiProperty({ example: 'vgst_Jx0…' }) token!: string;
  @ApiProperty({ example: '2026-12-01T12:05:00.000Z' }) expiresAt!: string;
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
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
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
  private readonly streams: StreamLimiter;

  constructor(
    @Inject(GenerationsService) private readonly generations: GenerationsService,
    @Inject(GenerationResults) private readonly results: GenerationResults,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(GenerationEventFeed) private readonly feed: GenerationEventFeed,
    @Inject(StreamTokensRepository) private readonly streamTokens: StreamTokensRepository,
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
  ) {
    this.streams = new StreamLimiter(config.events);
  }

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
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
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
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<GenerationView> {
    const { generation, replayed, headers } = await this.generations.extend(user, id, body, idempotencyKey);
    markReplayed(res, replayed);
    res.set(headers);
    res.setHeader('Location', `/video-gen/generations/${generation.id}`);
    return this.generations.view(generation);
  }

  @Post(':id/stream-token')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'A short-lived token that opens this generation’s event stream without an Authorization header',
    description:
      'For browsers (EventSource cannot send headers): GET /video-gen/generations/:id/events?access_token=<token>. ' +
      'Valid for at most 5 minutes (STREAM_TOKEN_TTL_SECONDS), for this generation’s events only; refused on every ' +
      'other route and as a Bearer token.',
  })
  @ApiResponse({ status: 201, type: StreamTokenResponse })
  @ApiErrors(404)
  async streamToken(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<StreamTokenResponse> {
    const generation = await this.generations.get(user, id);
    return this.streamTokens.issue(user.id, generation.id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The webhook deliveries of this generation, each with its attempts' })
  @ApiResponse({ status: 200, type: [WebhookDeliveryView] })
  @ApiErrors(404)
  async deliveries(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<WebhookDeliveryView[]> {
    const generation = await this.generations.get(user, id);
    return this.webhooks.deliveriesOf(generation.id);
  }

  @Get(':id/events')
  @Public()
  @ApiBearerAuth()
  @ApiExtraModels(GenerationEventView)
  @ApiQuery({ name: 'access_token', required: false, description: 'A stream token (POST …/stream-token)' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'Resume after this event id' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' })
  @ApiOperation({
    summary: 'Server-Sent Events: one `status` event per change, replayable, ending at a terminal state',
    description:
      'Authenticate with a Bearer token or ?access_token=<stream token>. Reconnect with Last-Event-ID (or ' +
      '?lastEventId=) to receive exactly the events after it. At most SSE_MAX_STREAMS_PER_USER streams per user.',
  })
  @ApiOkResponse({
    description:
      'A text/event-stream. It opens with a `retry:` hint. Each change is one `status` event: `id:` its seq and ' +
      '`data:` the generation (a GenerationView) plus `type` (queued, running, progress, segment, succeeded, ' +
      'failed, cancelled) and `seq`: a GenerationEventView. After the terminal event comes one `end` event ' +
      '(`data: {}`) and the stream closes. Comment lines (`: keep-alive`) are sent every SSE_HEARTBEAT_MS.',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: `Server-Sent Events; each status event's data is ${getSchemaPath(GenerationEventView)}`,
          example:
            'retry: 3000\n\n' +
            'event: status\nid: 1\ndata: {"id":"0b9c…","status":"queued","type":"queued","seq":1,…}\n\n' +
            'event: status\nid: 5\ndata: {"id":"0b9c…","status":"succeeded","type":"succeeded","seq":5,…}\n\n' +
            'event: end\ndata: {}\n\n',
        },
      },
    },
  })
  @ApiErrors(
    [400, 'Last-Event-ID is not an event id of this generation'],
    [401, 'No valid Bearer token and no valid stream token for this generation'],
    404,
    [429, 'Too many open event streams (SSE_MAX_STREAMS_PER_USER, SSE_MAX_STREAMS); retry after Retry-After'],
  )
  async events(
    @CurrentUser() user: AuthUser | undefined,
    @Param('id') id: string,
    @Query('access_token') accessToken: string | undefined,
    @Query('lastEventId') lastEventIdQuery: string | undefined,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const owner = await this.streamOwner(user, id, accessToken);
    const generation = await this.generations.get(owner, id); // 404 before the stream starts
    const after = parseLastEventId(lastEventIdHeader ?? lastEventIdQuery);
    if (after > generation.eventSeq) {
      throw new BadRequestException([
        `Last-Event-ID ${after} is not an event of this generation (its last is ${generation.eventSeq})`,
      ]);
    }
    const place = this.streams.acquire(owner.id);
    if ('refused' in place) {
      res.setHeader('Retry-After', String(STREAM_RETRY_AFTER_SECONDS));
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message:
            place.refused === 'user'
              ? `You have ${this.config.events.maxStreamsPerUser} event streams open (SSE_MAX_STREAMS_PER_USER); close one or follow with GET /video-gen/generations/:id`
              : 'The service has as many event streams open as it allows (SSE_MAX_STREAMS); retry later',
          error: 'Too Many Requests',
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: ${this.config.events.retryMs}\n\n`);
    const closed = new AbortController();
    req.on('close', () => closed.abort());
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), this.config.events.heartbeatMs);
    try {
      // Nothing left to send: the generation ended at or before the client's last event (or predates events).
      if (isTerminal(generation) && generation.eventSeq <= after) {
        if (generation.eventSeq === 0)
          res.write(sseEvent(undefined, await this.generations.view(generation)));
        res.write('event: end\ndata: {}\n\n');
        return;
      }
      for await (const event of this.feed.follow(id, after, { signal: closed.signal })) {
        res.write(sseEvent(event.seq, await this.generations.withUrls(event.payload)));
        if (isTerminalEvent(event)) res.write('event: end\ndata: {}\n\n');
      }
    } finally {
      clearInterval(heartbeat);
      place.release();
      res.end();
    }
  }

  /** The Bearer token's user, or the owner a stream token was issued to (for this generation only). */
  private async streamOwner(
    user: AuthUser | undefined,
    generationId: string,
    accessToken: string | undefined,
  ): Promise<AuthUser> {
    if (accessToken !== undefined) {
      const owner = await this.streamTokens.verify(accessToken, generationId);
      if (!owner || (user && user.id !== owner)) {
        throw new UnauthorizedException(
          'This stream token is expired or not for this generation; get a new one with POST /video-gen/generations/:id/stream-token',
        );
      }
      return { id: owner, roles: [] };
    }
    if (!user) {
      throw new UnauthorizedException(
        'Send a Bearer token, or ?access_token= with a stream token from POST /video-gen/generations/:id/stream-token',
      );
    }
    return user;
  }
}

const STREAM_RETRY_AFTER_SECONDS = 5;

/** `Last-Event-ID` (or `?lastEventId=`): an event seq; absent means from the start. */
export function parseLastEventId(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,9}$/.test(value)) {
    throw new BadRequestException(['Last-Event-ID must be an event id (a whole number) from this stream']);
  }
  return Number(value);
}

function sseEvent(id: number | undefined, data: unknown): string {
  return `event: status\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}
