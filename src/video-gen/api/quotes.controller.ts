import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../../auth/auth-user.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { ApiErrors } from '../../common/api-errors.decorator.js';
import { lifecycleHeaders } from '../../providers/model-lifecycle.js';
import { CreateChainDto, CreateGenerationDto } from './dto/create-generation.dto.js';
import { QuoteView, toQuoteView } from './generation-quote.js';
import { GenerationsService } from './generations.service.js';

/**
 * What a request would cost before paying. The body is the create body and goes through the same checks,
 * so a quote refuses exactly what the create would refuse; nothing is charged or recorded.
 */
@ApiTags('generations')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@Controller('video-gen')
export class QuotesController {
  constructor(@Inject(GenerationsService) private readonly generations: GenerationsService) {}

  @Post('quote')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Price a generation without creating it (same body as POST /video-gen/generations)',
    description:
      'Answers the price that POST /video-gen/generations would reserve now, the planned segments, your balance ' +
      'and whether it covers the price. Same validation errors as the create. Charges nothing.',
  })
  @ApiResponse({ status: 200, type: QuoteView })
  @ApiErrors(400, [403, 'The image key is outside your own prefix'])
  async quote(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateGenerationDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QuoteView> {
    const { kind, model, ...fields } = body;
    const planned = await this.generations.prepare({
      user,
      kind,
      modelName: model,
      fields,
      endpoint: 'POST /video-gen/generations',
      body,
    });
    const { quote } = await this.generations.quote(planned);
    // A deprecated model is announced here as on the create (Deprecation, Sunset, Link).
    res.set(lifecycleHeaders(planned.model));
    return toQuoteView(planned, quote);
  }

  @Post('chains/quote')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Price a chain without creating it (same body as POST /video-gen/chains)',
    description: 'As POST /video-gen/quote, for a chain: every planned segment is priced. Charges nothing.',
  })
  @ApiResponse({ status: 200, type: QuoteView })
  @ApiErrors(400, [403, 'The image key is outside your own prefix'])
  async quoteChain(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateChainDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QuoteView> {
    const planned = await this.generations.prepareChain(user, body);
    const { quote } = await this.generations.quote(planned);
    // A deprecated model is announced here as on the create (Deprecation, Sunset, Link).
    res.set(lifecycleHeaders(planned.model));
    return toQuoteView(planned, quote);
  }
}
