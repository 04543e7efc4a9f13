import { BalanceDto, GrantResultDto, LedgerEntryDto, LedgerPageDto } from '../credits/credits.dto.js';
import { PresignedImageUploadDto, UploadedImageDto } from '../uploads/upload.dto.js';
import {
  CreateChainDto,
  CreateGenerationDto,
  CropDto,
  ExtendGenerationDto,
} from '../video-gen/api/dto/create-generation.dto.js';
import { GenerationEventView, WebhookPayloadView } from '../video-gen/generation-events.js';
import { QuotedSegmentView, QuoteView } from '../video-gen/api/generation-quote.js';
import {
  CreditsView,
  GenerationPageView,
  GenerationView,
  SegmentView,
} from '../video-gen/generation-view.js';
import { StreamTokenResponse } from '../video-gen/api/generations.controller.js';
import type * as Contract from './api-contract.js';
import { ErrorResponseDto } from './error-response.dto.js';

/**
 * The server's classes `implement` the contract's responses, which catches a field the server drops or retypes.
 * These checks add the rest, at type-check time (a mismatch does not compile): the same field names on both sides
 * (a field the server adds must be added to the contract), and for request bodies, that what a client builds from
 * the contract is what the server's validation DTO accepts.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameFields<A, B> = Same<keyof A & string, keyof B & string>;
const sameFields = <A, B>(check: SameFields<A, B>, name: string) => ({ name, check });
const accepts = <Dto>(body: Dto) => body;

const checks = [
  sameFields<Contract.GenerationView, GenerationView>(true, 'GenerationView'),
  sameFields<Contract.SegmentView, SegmentView>(true, 'SegmentView'),
  sameFields<Contract.GenerationCredits, CreditsView>(true, 'GenerationCredits'),
  sameFields<Contract.GenerationPage, GenerationPageView>(true, 'GenerationPage'),
  sameFields<Contract.GenerationEvent, GenerationEventView>(true, 'GenerationEvent'),
  sameFields<Contract.WebhookPayload, WebhookPayloadView>(true, 'WebhookPayload'),
  sameFields<Contract.StreamToken, StreamTokenResponse>(true, 'StreamToken'),
  sameFields<Contract.QuoteView, QuoteView>(true, 'QuoteView'),
  sameFields<Contract.QuotedSegment, QuotedSegmentView>(true, 'QuotedSegment'),
  sameFields<Contract.Balance, BalanceDto>(true, 'Balance'),
  sameFields<Contract.LedgerEntry, LedgerEntryDto>(true, 'LedgerEntry'),
  sameFields<Contract.LedgerPage, LedgerPageDto>(true, 'LedgerPage'),
  sameFields<Contract.GrantResult, GrantResultDto>(true, 'GrantResult'),
  sameFields<Contract.UploadedImage, UploadedImageDto>(true, 'UploadedImage'),
  sameFields<Contract.PresignedImageUpload, PresignedImageUploadDto>(true, 'PresignedImageUpload'),
  sameFields<Contract.ErrorBody, ErrorResponseDto>(true, 'ErrorBody'),
  sameFields<Contract.Crop, CropDto>(true, 'Crop'),
  sameFields<Contract.CreateGenerationBody, CreateGenerationDto>(true, 'CreateGenerationBody'),
  sameFields<Contract.ExtendBody, ExtendGenerationDto>(true, 'ExtendBody'),
  sameFields<Contract.ChainBody, CreateChainDto>(true, 'ChainBody'),
];

describe('the API contract', () => {
  it('names the same fields as the server, for every response and request body', () => {
    expect(checks.filter(({ check }) => !check)).toEqual([]);
    expect(checks).toHaveLength(20);
  });

  it('describes request bodies the server’s DTOs accept', () => {
    const create: Contract.CreateGenerationBody = {
      kind: 'image-to-video',
      id: 'images/alice/a.png',
      prompt: 'Waves',
      duration: '8s',
      crop: { left: 0, top: 0, right: 1, bottom: 1 },
      webhookEvents: ['generation.succeeded'],
    };
    const extend: Contract.ExtendBody = { prompt: 'More waves' };
    const chain: Contract.ChainBody = { prompts: ['a', 'b'], totalDuration: 16, transition: 'crossfade' };
    expect(accepts<CreateGenerationDto>(create).kind).toBe('image-to-video');
    expect(accepts<ExtendGenerationDto>(extend).prompt).toBe('More waves');
    expect(accepts<CreateChainDto>(chain).totalDuration).toBe(16);
  });
});
