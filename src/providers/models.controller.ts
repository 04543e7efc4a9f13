import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ModelView } from '../common/api-contract.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { creditsToJson } from '../credits/credit-amount.js';
import { ModelCatalog } from './model-catalog.js';
import type { ModelEntry } from './model-catalog.types.js';
import { ModelListView } from './model-view.dto.js';

/** What the front end sees of a catalog entry: everything needed to build a form and show a price. */
export function toModelView(
  entry: ModelEntry,
  availability: { available: boolean; missingSettings: string[] },
): ModelView {
  return {
    name: entry.name,
    displayName: entry.displayName,
    description: entry.description,
    provider: entry.provider,
    vendor: entry.vendor,
    providerModel: entry.providerModel,
    ...(entry.textToVideoModel ? { textToVideoModel: entry.textToVideoModel } : {}),
    lifecycle: entry.lifecycle,
    extend: entry.extend,
    ...(entry.extend === 'native' && entry.fal?.extendSeconds
      ? { extendSeconds: entry.fal.extendSeconds }
      : {}),
    ...(entry.maxPromptLength ? { maxPromptLength: entry.maxPromptLength } : {}),
    ai: entry.ai,
    kinds: entry.kinds,
    segmentDurations: entry.segmentDurations,
    ...(entry.aspectRatios ? { aspectRatios: entry.aspectRatios } : {}),
    ...(entry.resolutions ? { resolutions: entry.resolutions } : {}),
    ...(entry.sizes ? { sizes: entry.sizes } : {}),
    defaults: entry.defaults,
    price: { credits: creditsToJson(entry.price.credits), per: entry.price.per },
    features: entry.features,
    ...(entry.source ? { source: entry.source } : {}),
    ...availability,
  };
}

@ApiTags('models')
@ApiBearerAuth()
@ApiErrors(401, 429)
@Controller('video-gen')
export class ModelsController {
  constructor(@Inject(ModelCatalog) private readonly catalog: ModelCatalog) {}

  @Get('models')
  @ApiOperation({
    summary: 'Video models this server offers, what they accept, their price and whether they are usable',
  })
  @ApiOkResponse({ type: ModelListView })
  list(): ModelListView {
    return {
      models: this.catalog.list().map((entry) => toModelView(entry, this.catalog.availability(entry))),
    };
  }
}
