import { SimulatorControls } from '../../../test/support/simulator-controls.js';
import {
  input,
  model,
  pngImage,
  pollUntilDone,
  readAll,
  rejectionOf,
  testMediaService,
  withTempFile,
} from '../../../test/support/provider-fixtures.js';
import { FalQueueSimulator } from '../../simulators/fal-queue.simulator.js';
import { SimulatedVideoRenderer } from '../../simulators/simulated-video.renderer.js';
import { ImagePreparer } from '../image-preparer.js';
import {
  ProviderAmbiguousSubmitError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../provider-errors.js';
import type { FalRef } from '../video-provider.js';
import { buildFalRequest, FalVeoProvider, rejectionFromBody } from './fal-veo.provider.js';

import { closedPortUrl } from '../../../test/support/provider-fixtures.js';

const media = testMediaService();
const images = new ImagePreparer(media);
const KEY = 'test-fal-key';
let simulator: FalQueueSimulator;
let controls: SimulatorControls;

function adapter(overrides: Partial<ConstructorParameters<typeof FalVeoProvider>[0]> = {}): FalVeoProvider {
  return new FalVeoProvider(
    {
      key: KEY,
      baseUrl: simulator.baseUrl,
      inlineImageMaxBytes: 1024 * 1024,
      requestTimeoutMs: 2_000,
      ...overrides,
    },
    images,
  );
}

beforeAll(async () => {
  simulator = await FalQueueSimulator.start({ renderer: new SimulatedVideoRenderer(media), key: KEY });
  controls = SimulatorControls.of(simulator);
});
afterAll(async () => {
  await simulator.stop();
});
beforeEach(async () => {
  await controls.reset();
  controls.setTiming({ queuePolls: 1, runPolls: 1 });
});

describe('buildFalRequest', () => {
  it('maps our input to fal field names with the duration as "Ns"', () => {
    expect(
      buildFalRequest(
        input(model('veo3'), {
          durationSeconds: 6,
          negativePrompt: 'blur',
          seed: 7,
          generateAudio: false,
          aspectRatio: '9:16',
        }),
        'data:x',
      ),
    ).toEqual({
      prompt: 'A lighthouse at dusk, waves rolling in',
      image_url: 'data:x',
      duration: '6s',
      aspect_ratio: '9:16',
      resolution: '720p',
      generate_audio: false,
      negative_prompt: 'blur',
      seed: 7,
    });
  });

  it('refuses a duration Veo cannot make', () => {
    expect(() => buildFalRequest(input(model('veo3'), { durationSeconds: 5 }), 'x')).toThrow(
      ProviderRejectedError,
    );
  });

  it('reads fal validation and moderation bodies', () => {
    const invalid = rejectionFromBody(
      { detail: [{ loc: ['body', 'duration'], msg: 'bad', type: 'literal_error' }] },
      'x',
    );
    expect(invalid).toMatchObject({ reason: 'invalid_input', providerDetail: 'duration: bad' });
    const moderation = rejectionFromBody(
      { detail: [{ loc: ['body', 'prompt'], msg: 'no', type: 'content_policy_violation' }] },
      'x',
    );
    expect(moderation.reason).toBe('moderation');
    expect(rejectionFromBody({ detail: 'plain string' }, 'x').providerDetail).toBe('plain string');
  });
});

describe('FalVeoProvider against the fal queue simulator (real @fal-ai/client)', () => {
  it('submits, reports queue position then progress, and streams a real MP4 of the requested length', async () => {
    const fal = adapter();
    const ref = (await fal.submit(input(model('veo3'), { durationSeconds: 4 }))) as FalRef;
    expect(ref).toEqual({
      provider: 'fal',
      endpoint: 'fal-ai/veo3.1/image-to-video',
      requestId: expect.any(String),
    });
    expect(JSON.parse(JSON.stringify(ref))).toEqual(ref);

    const states = await pollUntilDone(fal, ref);
    expect(states[0]).toEqual({ state: 'queued', queuePosition: 2 });
    expect(states.map((s) => s.state)).toContain('running');
    expect(states.at(-1)).toEqual({ state: 'succeeded', progress: 100 });

    const result = await fal.fetchResult(ref);
    expect(result.contentType).toBe('video/mp4');
    const bytes = await readAll(result.stream);
    expect(bytes.length).toBe(result.bytes);
    const info = await withTempFile(bytes, 'v.mp4', (path) => media.probe(path));
    expect(info.videoCodec).toBe('h264');
    expect(info.durationSeconds).toBeCloseTo(4, 0);
    expect(info.width / info.height).toBeCloseTo(16 / 9, 1);
  });

  it('sends exactly the requests fal documents (contract)', async () => {
    const fal = adapter();
    const image = pngImage(64, 36);
    const ref = (await fal.submit(
      input(model('veo3.1-fast'), {
        image,
        durationSeconds: 8,
        negativePrompt: 'text',
        seed: 42,
        resolution: '1080p',
      }),
    )) as FalRef;
    await pollUntilDone(fal, ref);
    await readAll((await fal.fetchResult(ref)).stream);
    await fal.cancel(ref);

    const calls = controls.requests.map(
      (r) => `${r.method} ${r.path}${r.query.logs ? `?logs=${r.query.logs}` : ''}`,
    );
    const id = ref.requestId;
    expect(calls[0]).toBe('POST /fal-ai/veo3.1/fast/image-to-video');
    expect(calls).toContain(`GET /fal-ai/veo3.1/requests/${id}/status?logs=1`);
    expect(calls).toContain(`GET /fal-ai/veo3.1/requests/${id}`);
    expect(calls).toContain(`GET /files/${id}.mp4`);
    expect(calls.at(-1)).toBe(`PUT /fal-ai/veo3.1/requests/${id}/cancel`);

    const submit = controls.requests[0];
    expect(submit.headers).toMatchObject({
      authorization: `Key ${KEY}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'x-fal-queue-priority': 'normal',
      'x-fal-target-host': 'queue.fal.run',
    });
    expect(submit.headers['user-agent']).toMatch(/^@fal-ai\/client\//);
    expect(submit.json).toEqual({
      prompt: 'A lighthouse at dusk, waves rolling in',
      image_url: `data:image/png;base64,${image.bytes.toString('base64')}`,
      duration: '8s',
      aspect_ratio: 'auto',
      resolution: '1080p',
      generate_audio: true,
      negative_prompt: 'text',
      seed: 42,
    });
    for (const request of controls.requests.filter((r) => !r.path.startsWith('/files/'))) {
      expect(request.headers.authorization).toBe(`Key ${KEY}`);
    }
  });

  it('uploads an image over the inline limit through fal storage and sends its URL', async () => {
    const fal = adapter({ inlineImageMaxBytes: 100 });
    const ref = (await fal.submit(input(model('veo3')))) as FalRef;
    const [initiate, put, submit] = controls.requests;
    expect(`${initiate.method} ${initiate.path}`).toBe('POST /storage/upload/initiate');
    expect(initiate.query).toEqual({ storage_type: 'fal-cdn-v3' });
    expect(initiate.json).toEqual({ content_type: 'image/png', file_name: expect.stringMatching(/\.png$/) });
    expect(put.method).toBe('PUT');
    expect(put.headers.authorization).toBeUndefined();
    expect((submit.json as { image_url: string }).image_url).toMatch(
      new RegExp(`^${simulator.baseUrl}/files/`),
    );
    expect((await pollUntilDone(fal, ref)).at(-1)?.state).toBe('succeeded');
  });

  it('crops the image to the requested bounds before sending it', async () => {
    const fal = adapter();
    await fal.submit(
      input(model('veo3'), {
        image: pngImage(200, 100),
        crop: { left: 0.25, top: 0, right: 0.75, bottom: 1 },
      }),
    );
    const uri = (controls.requests[0].json as { image_url: string }).image_url;
    const info = await media.imageInfo(Buffer.from(uri.split(',')[1], 'base64'));
    expect({ width: info.width, height: info.height }).toEqual({ width: 100, height: 100 });
  });

  it('cancels a queued request and then reports it cancelled; cancelling a finished one is a no-op', async () => {
    const fal = adapter();
    controls.setTiming({ queuePolls: 5, runPolls: 1 });
    const ref = await fal.submit(input(model('veo3')));
    await fal.cancel(ref);
    expect(await fal.poll(ref)).toEqual({ state: 'cancelled' });
    await expect(fal.cancel(ref)).resolves.toBeUndefined();
  });

  it('answers findSubmission with unknown: the fal queue cannot list requests', async () => {
    expect(await adapter().findSubmission()).toEqual({ unknown: expect.stringContaining('cannot list') });
  });

  describe('faults, as the pipeline sees them', () => {
    it('429 on submit: rate limited with Retry-After, and the client does not retry on its own', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'rate-limit', retryAfterSeconds: 3 } });
      const error = await rejectionOf(adapter().submit(input(model('veo3'))));
      expect(error).toBeInstanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterMs).toBe(3000);
      expect(controls.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    });

    it('503 on submit: transient (the queue refused it)', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'server-error', status: 503 } });
      expect(await rejectionOf(adapter().submit(input(model('veo3'))))).toBeInstanceOf(
        ProviderTransientError,
      );
    });

    it.each([502, 504])(
      '%i on submit: ambiguous (a gateway cannot say whether it was enqueued)',
      async (status) => {
        controls.inject({ on: 'submit', fault: { kind: 'server-error', status } });
        const error = await rejectionOf(adapter().submit(input(model('veo3'))));
        expect(error).toBeInstanceOf(ProviderAmbiguousSubmitError);
        expect((error as ProviderAmbiguousSubmitError).submittedAt).toBeInstanceOf(Date);
        expect(controls.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      },
    );

    it('a submit that never answers: ambiguous after the request timeout', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'hang' } });
      expect(
        await rejectionOf(adapter({ requestTimeoutMs: 300 }).submit(input(model('veo3')))),
      ).toBeInstanceOf(ProviderAmbiguousSubmitError);
    });

    it('malformed JSON from submit: ambiguous', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'malformed-json' } });
      expect(await rejectionOf(adapter().submit(input(model('veo3'))))).toBeInstanceOf(
        ProviderAmbiguousSubmitError,
      );
    });

    it('an unreachable host: transient, not ambiguous (nothing was sent)', async () => {
      const fal = adapter({ baseUrl: await closedPortUrl() });
      expect(await rejectionOf(fal.submit(input(model('veo3'))))).toBeInstanceOf(ProviderTransientError);
    });

    it('latency on every call: still succeeds', async () => {
      controls.inject({ on: ['submit', 'status', 'result', 'content'], fault: { kind: 'latency', ms: 50 } });
      const fal = adapter();
      const ref = await fal.submit(input(model('veo3')));
      expect((await pollUntilDone(fal, ref)).at(-1)?.state).toBe('succeeded');
      expect((await readAll((await fal.fetchResult(ref)).stream)).length).toBeGreaterThan(1000);
    });

    it('a longer queue: queue positions count down', async () => {
      controls.setTiming({ queuePolls: 3, runPolls: 1 });
      const fal = adapter();
      const ref = await fal.submit(input(model('veo3')));
      const positions = (await pollUntilDone(fal, ref))
        .filter((s) => s.state === 'queued')
        .map((s) => s.queuePosition);
      expect(positions).toEqual([2, 1, 0]);
    });

    it('moderation: the request completes and the result explains; poll reports a rejected, user-facing failure', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
      const fal = adapter();
      const ref = await fal.submit(input(model('veo3')));
      const last = (await pollUntilDone(fal, ref)).at(-1)!;
      expect(last.state).toBe('failed');
      expect(last.error).toBeInstanceOf(ProviderRejectedError);
      expect(last.error).toMatchObject({
        reason: 'moderation',
        userMessage: expect.stringContaining('content policy'),
      });
    });

    it('input fal rejects at result time (422 {detail}): a rejected failure naming the field', async () => {
      const fal = adapter();
      const ref = await fal.submit(input(model('veo3'), { resolution: '8k' }));
      const last = (await pollUntilDone(fal, ref)).at(-1)!;
      expect(last.error).toBeInstanceOf(ProviderRejectedError);
      expect(last.error).toMatchObject({
        reason: 'invalid_input',
        providerDetail: expect.stringContaining('resolution'),
      });
    });

    it('input fal rejects at submit time: ProviderRejectedError from submit', async () => {
      const strict = await FalQueueSimulator.start({
        renderer: new SimulatedVideoRenderer(media),
        key: KEY,
        validationAt: 'submit',
      });
      try {
        const fal = new FalVeoProvider(
          { key: KEY, baseUrl: strict.baseUrl, inlineImageMaxBytes: 1 << 20, requestTimeoutMs: 2000 },
          images,
        );
        const error = await rejectionOf(fal.submit(input(model('veo3'), { aspectRatio: '1:1' })));
        expect(error).toBeInstanceOf(ProviderRejectedError);
        expect((error as ProviderRejectedError).providerDetail).toContain('aspect_ratio');
      } finally {
        await strict.stop();
      }
    });

    it('a model failure (500 from the result): a permanent provider failure', async () => {
      controls.inject({ on: 'submit', fault: { kind: 'generation-failure' }, times: 1 });
      const fal = adapter();
      const ref = await fal.submit(input(model('veo3')));
      const last = (await pollUntilDone(fal, ref)).at(-1)!;
      expect(last).toMatchObject({ state: 'failed', error: expect.any(ProviderFailedError) });
    });

    it.each([
      ['rate-limit', { kind: 'rate-limit', retryAfterSeconds: 1 } as const, ProviderRateLimitedError],
      ['500', { kind: 'server-error', status: 500 } as const, ProviderTransientError],
      ['hang', { kind: 'hang' } as const, ProviderTransientError],
      ['malformed JSON', { kind: 'malformed-json' } as const, ProviderTransientError],
    ])('status %s: %p', async (_name, fault, type) => {
      const fal = adapter({ requestTimeoutMs: 300 });
      const ref = await adapter().submit(input(model('veo3')));
      controls.inject({ on: 'status', fault, times: 1 });
      expect(await rejectionOf(fal.poll(ref))).toBeInstanceOf(type);
      expect((await adapter().poll(ref)).state).toBe('queued');
    });

    it('an endpoint the simulator does not know: accepted generically, a video of the requested length', async () => {
      const custom = model('wan-2.6', {
        name: 'my-model',
        providerModel: 'someone/new-model/image-to-video',
        fal: { imageField: 'first_frame_url', durationEncoding: 'integer', videoUrlPath: 'video.url' },
      });
      const fal = adapter();
      const ref = (await fal.submit(input(custom, { durationSeconds: 5 }))) as FalRef;
      expect(controls.requests[0].json).toMatchObject({
        first_frame_url: expect.stringMatching(/^data:/),
        duration: 5,
      });
      expect((await pollUntilDone(fal, ref)).at(-1)?.state).toBe('succeeded');
      await withTempFile(await readAll((await fal.fetchResult(ref)).stream), 'v.mp4', async (path) => {
        expect((await media.probe(path)).durationSeconds).toBeCloseTo(5, 0);
      });
    });

    it('a native extension: the video goes through fal storage to extend-video and 7 s come back', async () => {
      const veo = model('veo3.1');
      const fal = adapter();
      const first = (await fal.submit(input(veo, { durationSeconds: 4 }))) as FalRef;
      await pollUntilDone(fal, first);
      const video = await readAll((await fal.fetchResult(first)).stream);
      controls.requests.length = 0;
      const ref = (await fal.submit(
        input(veo, {
          image: undefined,
          video: { bytes: video, contentType: 'video/mp4', durationSeconds: 4 },
          durationSeconds: 7,
        }),
      )) as FalRef;
      expect(ref.endpoint).toBe('fal-ai/veo3.1/extend-video');
      const submit = controls.requests.find((r) => r.path === '/fal-ai/veo3.1/extend-video')!;
      expect(submit.json).toMatchObject({
        video_url: expect.stringContaining('/files/'),
        duration: '7s',
        resolution: '720p',
      });
      expect((await pollUntilDone(fal, ref)).at(-1)?.state).toBe('succeeded');
      await withTempFile(await readAll((await fal.fetchResult(ref)).stream), 'v.mp4', async (path) => {
        expect((await media.probe(path)).durationSeconds).toBeCloseTo(7, 0);
      });
    });

    it('a wrong key: a permanent unauthorized failure naming FAL_KEY', async () => {
      const error = await rejectionOf(adapter({ key: 'wrong' }).submit(input(model('veo3'))));
      expect(error).toBeInstanceOf(ProviderFailedError);
      expect(error).toMatchObject({ reason: 'unauthorized', message: expect.stringContaining('FAL_KEY') });
    });

    it('an unknown request id: not found', async () => {
      const ref: FalRef = { provider: 'fal', endpoint: 'fal-ai/veo3/image-to-video', requestId: 'nope' };
      expect(await rejectionOf(adapter().poll(ref))).toMatchObject({ reason: 'not_found' });
    });

    describe('fetching the result', () => {
      let ref: FalRef;
      const fal = () => adapter();
      beforeEach(async () => {
        ref = (await adapter().submit(input(model('veo3')))) as FalRef;
        await pollUntilDone(adapter(), ref);
      });

      it('result URL 404: the result is unavailable (permanent)', async () => {
        controls.inject({ on: 'content', fault: { kind: 'not-found' } });
        expect(await rejectionOf(fal().fetchResult(ref))).toMatchObject({ reason: 'result_unavailable' });
      });

      it('truncated download: the stream fails with a transient error', async () => {
        controls.inject({ on: 'content', fault: { kind: 'truncated' } });
        const result = await fal().fetchResult(ref);
        expect(await rejectionOf(readAll(result.stream))).toBeInstanceOf(ProviderTransientError);
      });

      it('non-video content: transient, before any byte reaches the caller', async () => {
        controls.inject({ on: 'content', fault: { kind: 'non-video' } });
        const error = await rejectionOf(fal().fetchResult(ref));
        expect(error).toBeInstanceOf(ProviderTransientError);
        expect(error.message).toContain('text/html');
      });

      it('429 on the result: rate limited with its Retry-After, in one request (no retries inside the client)', async () => {
        controls.inject({ on: 'result', fault: { kind: 'rate-limit', retryAfterSeconds: 5 }, times: 1 });
        const before = controls.requests.length;
        const error = await rejectionOf(fal().fetchResult(ref));
        expect(error).toBeInstanceOf(ProviderRateLimitedError);
        expect((error as ProviderRateLimitedError).retryAfterMs).toBe(5000);
        const results = controls.requests.slice(before).filter((r) => r.path.endsWith(ref.requestId));
        expect(results).toHaveLength(1);
      });

      it('503 on the result: transient, in one request', async () => {
        controls.inject({ on: 'result', fault: { kind: 'server-error', status: 503 }, times: 1 });
        const before = controls.requests.length;
        expect(await rejectionOf(fal().fetchResult(ref))).toBeInstanceOf(ProviderTransientError);
        expect(controls.requests.slice(before).filter((r) => r.path.endsWith(ref.requestId))).toHaveLength(1);
      });

      it('result call hangs: transient', async () => {
        controls.inject({ on: 'result', fault: { kind: 'hang' } });
        expect(await rejectionOf(adapter({ requestTimeoutMs: 500 }).fetchResult(ref))).toBeInstanceOf(
          ProviderTransientError,
        );
      });

      it('download hangs: transient', async () => {
        controls.inject({ on: 'content', fault: { kind: 'hang' } });
        expect(await rejectionOf(adapter({ requestTimeoutMs: 500 }).fetchResult(ref))).toBeInstanceOf(
          ProviderTransientError,
        );
      });
    });

    it('storage upload failure: transient, never ambiguous (nothing was submitted)', async () => {
      controls.inject({ on: 'upload', fault: { kind: 'server-error', status: 502 } });
      const error = await rejectionOf(adapter({ inlineImageMaxBytes: 10 }).submit(input(model('veo3'))));
      expect(error).toBeInstanceOf(ProviderTransientError);
      expect(controls.requests.some((r) => r.path.startsWith('/fal-ai/'))).toBe(false);
    });
  });
});
