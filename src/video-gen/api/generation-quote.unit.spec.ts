import { Decimal } from '../../credits/credit-amount.js';
import { quoteFor } from '../../credits/pricing.js';
import type { GenerationParams } from '../generation-request.js';
import { toQuoteView } from './generation-quote.js';

const params = (over: Partial<GenerationParams> = {}): GenerationParams => ({
  kind: 'text-to-video',
  model: 'sora-2',
  prompt: 'a lighthouse',
  duration: '20s',
  durationSeconds: 20,
  ...over,
});

describe('toQuoteView', () => {
  it('lists each segment with how it is made and numbers for the JSON body', () => {
    const view = toQuoteView(
      {
        model: { name: 'sora-2' },
        params: params(),
        plan: [
          { index: 0, durationSeconds: 12 },
          { index: 1, durationSeconds: 8 },
        ],
      },
      quoteFor(new Decimal('1000'), new Decimal('10000.0')),
    );
    expect(view).toEqual({
      model: 'sora-2',
      price: { credits: 1000 },
      durationSeconds: 20,
      segments: [
        { durationSeconds: 12, method: 'text-to-video' },
        { durationSeconds: 8, method: 'last-frame' },
      ],
      balance: 10000,
      sufficient: true,
    });
  });

  it('starts from the image when there is one, shows a trim, and says when the balance is short', () => {
    const view = toQuoteView(
      {
        model: { name: 'veo3' },
        params: params({ kind: 'image-to-video', sourceImageKey: 'images/u/a.png', durationSeconds: 5 }),
        plan: [{ index: 0, durationSeconds: 6, trimToSeconds: 5 }],
      },
      quoteFor(new Decimal('750'), new Decimal('100.5')),
    );
    expect(view.segments).toEqual([{ durationSeconds: 6, trimToSeconds: 5, method: 'image-to-video' }]);
    expect(view).toMatchObject({ price: { credits: 750 }, balance: 100.5, sufficient: false });
  });

  it('says a segment is made by the model’s own extend endpoint when it extends natively', () => {
    const view = toQuoteView(
      {
        model: { name: 'veo3.1' },
        params: params({ durationSeconds: 15, nativeExtendFrom: 1 }),
        plan: [
          { index: 0, durationSeconds: 8 },
          { index: 1, durationSeconds: 7 },
        ],
      },
      quoteFor(new Decimal('1500'), new Decimal('10000')),
    );
    expect(view.segments.map((s) => s.method)).toEqual(['text-to-video', 'native-extend']);
  });
});
