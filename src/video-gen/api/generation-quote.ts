import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as Contract from '../../common/api-contract.js';
import { creditsToJson } from '../../credits/credit-amount.js';
import type { Quote } from '../../credits/pricing.js';
import type { PlannedSegment } from '../duration-planner.js';
import type { GenerationParams } from '../generation-request.js';

/**
 * How a segment is made: the first from the request (prompt, or image and prompt); each next one from the
 * previous segment's last frame, or, for a model that extends natively, by its extend endpoint from the video so far.
 */
export type SegmentMethod = Contract.SegmentMethod;

export class QuotedSegmentView implements Contract.QuotedSegment {
  @ApiProperty({ example: 8, description: 'Seconds the provider makes for this segment' })
  durationSeconds!: number;
  @ApiPropertyOptional({
    example: 5,
    description: 'Cut to this length afterwards (the model cannot make it exactly)',
  })
  trimToSeconds?: number;
  @ApiProperty({ enum: ['text-to-video', 'image-to-video', 'last-frame', 'native-extend'] })
  method!: SegmentMethod;
}

class QuotedPrice {
  @ApiProperty({ example: 750, description: 'What creating the same request now would reserve' })
  credits!: number;
}

/** The answer of POST /video-gen/quote and POST /video-gen/chains/quote. */
export class QuoteView implements Contract.QuoteView {
  @ApiProperty({ example: 'veo3' }) model!: string;
  @ApiProperty({ type: QuotedPrice }) price!: QuotedPrice;
  @ApiProperty({ example: 8, description: 'Seconds of video asked for' }) durationSeconds!: number;
  @ApiProperty({ type: [QuotedSegmentView] }) segments!: QuotedSegmentView[];
  @ApiProperty({ example: 10000, description: 'Your balance now' }) balance!: number;
  @ApiProperty({ description: 'Whether the balance covers the price' }) sufficient!: boolean;
}

/** The API's view of a quote. Pure. */
export function toQuoteView(
  request: { model: { name: string }; params: GenerationParams; plan: PlannedSegment[] },
  quote: Quote,
): QuoteView {
  const first: SegmentMethod = request.params.sourceImageKey ? 'image-to-video' : 'text-to-video';
  return {
    model: request.model.name,
    price: { credits: creditsToJson(quote.price) },
    durationSeconds: request.params.durationSeconds,
    segments: request.plan.map((segment) => ({
      durationSeconds: segment.durationSeconds,
      ...(segment.trimToSeconds === undefined ? {} : { trimToSeconds: segment.trimToSeconds }),
      method: methodOf(segment.index, first, request.params.nativeExtendFrom),
    })),
    balance: creditsToJson(quote.balance),
    sufficient: quote.sufficient,
  };
}

function methodOf(index: number, first: SegmentMethod, nativeExtendFrom: number | undefined): SegmentMethod {
  if (index === 0) return first;
  return nativeExtendFrom !== undefined && index >= nativeExtendFrom ? 'native-extend' : 'last-frame';
}
