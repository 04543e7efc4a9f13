import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { createValidationPipe } from '../../../app.factory.js';
import {
  CreateChainDto,
  CreateGenerationDto,
  ExtendGenerationDto,
  ImageToVideoDto,
} from './create-generation.dto.js';

async function validate(metatype: ArgumentMetadata['metatype'], body: unknown): Promise<string[] | 'ok'> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype });
    return 'ok';
  } catch (error) {
    const response = (error as BadRequestException).getResponse() as { message: string[] };
    return response.message;
  }
}

describe('ImageToVideoDto (seed 002)', () => {
  it('gives exactly the seed’s messages for missing fields', async () => {
    expect(await validate(ImageToVideoDto, {})).toEqual([
      'id should not be empty',
      'prompt should not be empty',
    ]);
    expect(await validate(ImageToVideoDto, { id: '', prompt: '' })).toEqual([
      'id should not be empty',
      'prompt should not be empty',
    ]);
  });

  it('accepts the seed’s examples', async () => {
    expect(
      await validate(ImageToVideoDto, {
        id: 'images/user123/source-image.png',
        prompt: 'A beautiful sunset over the ocean with gentle waves',
        duration: '8s',
        projectId: 'project-456',
      }),
    ).toBe('ok');
    expect(
      await validate(ImageToVideoDto, {
        id: 'images/user123/source-image.png',
        prompt: 'Animate this image with subtle motion',
      }),
    ).toBe('ok');
  });

  it('takes whole-second durations (the model decides which it can make)', async () => {
    expect(await validate(ImageToVideoDto, { id: 'k', prompt: 'p', duration: '7s' })).toBe('ok');
    for (const duration of [8, '8', '0s', '1.5s', '99999s']) {
      expect(await validate(ImageToVideoDto, { id: 'k', prompt: 'p', duration })).toEqual([
        'duration must be whole seconds such as 5s, 8s or 10s',
      ]);
    }
  });

  it('refuses wrong types and unknown fields', async () => {
    expect(await validate(ImageToVideoDto, { id: 5, prompt: ['x'] })).toEqual([
      'id must be a string',
      'prompt must be a string',
    ]);
    expect(await validate(ImageToVideoDto, { id: 'k', prompt: 'p', price: 0 })).toEqual([
      'property price should not exist',
    ]);
  });

  it('checks crop bounds are fractions in order', async () => {
    const crop = (c: object) => validate(ImageToVideoDto, { id: 'k', prompt: 'p', crop: c });
    expect(await crop({ left: 0.1, top: 0.1, right: 0.9, bottom: 0.9 })).toBe('ok');
    expect(await crop({ left: 0.5, top: 0, right: 0.5, bottom: 1 })).toEqual([
      'crop.right must be greater than crop.left',
    ]);
    expect(await crop({ left: 0, top: 0.8, right: 1, bottom: 0.2 })).toEqual([
      'crop.bottom must be greater than crop.top',
    ]);
    expect(await crop({ left: -0.1, top: 0, right: 1, bottom: 1.5 })).toEqual([
      'crop.left must not be less than 0',
      'crop.bottom must not be greater than 1',
    ]);
    expect(await crop({ left: 0, top: 0, right: 1 })).toEqual([
      'crop.bottom must be a number conforming to the specified constraints',
    ]);
  });

  it('validates the optional model fields', async () => {
    expect(
      await validate(ImageToVideoDto, {
        id: 'k',
        prompt: 'p',
        aspectRatio: 'wide',
        resolution: 'huge',
        generateAudio: 'yes',
        seed: -1,
        frameIndex: 1.5,
      }),
    ).toEqual([
      'frameIndex must be an integer number',
      'aspectRatio must be auto or a ratio such as 16:9',
      'resolution must look like 720p, 1080p or 4k',
      'generateAudio must be a boolean value',
      'seed must not be less than 0',
    ]);
  });
});

describe('CreateGenerationDto', () => {
  it('requires a known kind', async () => {
    expect(await validate(CreateGenerationDto, { prompt: 'p' })).toEqual([
      'kind must be one of the following values: image-to-video, text-to-video',
    ]);
    expect(await validate(CreateGenerationDto, { kind: 'text-to-video', prompt: 'p' })).toBe('ok');
  });
});

describe('blank prompts', () => {
  it.each([' ', '   ', '\t\n', '\u00a0\u2003'])(
    'refuses a whitespace-only prompt %j everywhere',
    async (blank) => {
      expect(await validate(ImageToVideoDto, { id: 'k', prompt: blank })).toEqual([
        'prompt should not be blank (only whitespace)',
      ]);
      expect(await validate(CreateGenerationDto, { kind: 'text-to-video', prompt: blank })).toEqual([
        'prompt should not be blank (only whitespace)',
      ]);
      expect(await validate(ExtendGenerationDto, { prompt: blank })).toEqual([
        'prompt should not be blank (only whitespace)',
      ]);
      expect(await validate(CreateChainDto, { prompt: blank, totalDuration: 12 })).toEqual([
        'prompt should not be blank (only whitespace)',
      ]);
      expect(await validate(CreateChainDto, { prompts: ['fine', blank], totalDuration: 12 })).toEqual([
        'each value in prompts should not be blank (only whitespace)',
      ]);
    },
  );

  it('keeps prompts with text around whitespace', async () => {
    expect(await validate(ImageToVideoDto, { id: 'k', prompt: '  a sunset  ' })).toBe('ok');
  });
});

describe('CreateChainDto', () => {
  it('refuses prompt and prompts together instead of dropping one', async () => {
    expect(await validate(CreateChainDto, { prompt: 'a', prompts: ['b'], totalDuration: 12 })).toEqual([
      'send either prompt or prompts, not both',
    ]);
    expect(await validate(CreateChainDto, { prompts: ['b'], totalDuration: 12 })).toBe('ok');
    expect(await validate(CreateChainDto, { prompt: 'a', totalDuration: 12 })).toBe('ok');
  });
});
