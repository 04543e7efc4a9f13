import { SimulatorControls } from '../../../test/support/simulator-controls.js';
import {
  closedPortUrl,
  input,
  model,
  pngImage,
  pollUntilDone,
  readAll,
  rejectionOf,
  testMediaService,
  withTempFile,
} from '../../../test/support/provider-fixtures.js';
import { AzureOpenAISimulator } from '../../simulators/azure-openai.simulator.js';
import { SimulatedVideoRenderer } from '../../simulators/simulated-video.renderer.js';
import { ImagePreparer } from '../image-preparer.js';
import {
  ProviderAmbiguousSubmitError,
  ProviderFailedError,
  ProviderRateLimitedError,
  ProviderRejectedError,
  ProviderTransientError,
} from '../provider-errors.js';
import type { AzureRef } from '../video-provider.js';
import {
  azureErrorOf,
  azureHttpError,
  AzureSoraProvider,
  AzureSoraOptions,
  jobPollResult,
  videoPollResult,
} from './azure-sora.provider.js';

const media = testMediaService();
const images = new ImagePreparer(media);
const KEY = 'test-azure-key';
let simulator: AzureOpenAISimulator;
let controls: SimulatorControls;

const sora2 = () => model('sora-2');
const sora1 = () =>
  model('sora-2', {
    name: 'sora',
    providerModel: 'sora',
    azureApi: 'jobs',
    sizes: ['1280x720', '480x480'],
    segmentDurations: [5, 10],
  });

function adapter(overrides: Partial<AzureSoraOptions> = {}): AzureSoraProvider {
  return new AzureSoraProvider(
    { endpoint: simulator.endpoint, apiKey: KEY, auth: 'api-key', requestTimeoutMs: 2_000, ...overrides },
    images,
  );
}

beforeAll(async () => {
  simulator = await AzureOpenAISimulator.start({
    renderer: new SimulatedVideoRenderer(media),
    key: KEY,
    maxRunningJobs: 10,
  });
  controls = SimulatorControls.of(simulator);
});
afterAll(async () => {
  await simulator.stop();
});
beforeEach(async () => {
  await controls.reset();
  controls.setTiming({ queuePolls: 1, runPolls: 2 });
});

describe('status mapping', () => {
  it('maps Sora 2 video statuses, progress and errors', () => {
    expect(videoPollResult({ status: 'queued', progress: 0 })).toEqual({ state: 'queued', progress: 0 });
    expect(videoPollResult({ status: 'in_progress', progress: 45 })).toEqual({
      state: 'running',
      progress: 45,
    });
    expect(videoPollResult({ status: 'completed', progress: 100 })).toEqual({
      state: 'succeeded',
      progress: 100,
    });
    const blocked = videoPollResult({
      status: 'failed',
      error: { code: 'moderation_blocked', message: 'no' },
    });
    expect(blocked.error).toBeInstanceOf(ProviderRejectedError);
    expect(
      videoPollResult({ status: 'failed', error: { code: 'internal_error', message: 'x' } }).error,
    ).toBeInstanceOf(ProviderFailedError);
    expect(() => videoPollResult({ progress: 40 })).toThrow(ProviderTransientError);
  });

  it('reads both error shapes: {error:{...}} and the jobs API top-level {code, message, inner_error}', () => {
    expect(azureErrorOf({ error: { code: 'c', message: 'm' } })).toEqual({ code: 'c', message: 'm' });
    const top = {
      code: 'content_filter',
      message: 'blocked',
      inner_error: { code: 'ResponsibleAIPolicyViolation' },
    };
    expect(azureErrorOf(top)).toEqual(top);
    expect(azureErrorOf('text')).toBeUndefined();
    const refusal = azureHttpError(
      { status: 400, body: { ...top, code: 'invalid_request' }, headers: {} },
      'create',
    );
    expect(refusal).toMatchObject({ reason: 'moderation', providerDetail: 'blocked' });
    const invalid = azureHttpError(
      { status: 400, body: { code: 'invalid_value', message: 'width' }, headers: {} },
      'create',
    );
    expect(invalid).toMatchObject({ reason: 'invalid_input', providerDetail: 'width' });
  });

  it('maps Sora 1 job statuses through succeeded', () => {
    expect(
      ['queued', 'preprocessing', 'running', 'processing', 'succeeded', 'cancelled'].map(
        (status) => jobPollResult({ status }).state,
      ),
    ).toEqual(['queued', 'running', 'running', 'running', 'succeeded', 'cancelled']);
    expect(jobPollResult({ status: 'failed', failure_reason: 'output_moderation' }).error).toMatchObject({
      reason: 'moderation',
    });
  });
});

describe('AzureSoraProvider, v1 Videos API (Sora 2), against the Azure simulator (real axios)', () => {
  it('text-to-video: JSON create, queued -> in_progress with progress -> completed, streams a real MP4', async () => {
    const azure = adapter();
    const ref = (await azure.submit(
      input(sora2(), { image: undefined, durationSeconds: 4, size: '1280x720' }),
    )) as AzureRef;
    expect(ref).toEqual({
      provider: 'azure',
      api: 'videos',
      deployment: 'sora-2',
      id: expect.stringMatching(/^video_/),
    });

    const states = await pollUntilDone(azure, ref);
    expect(states[0]).toEqual({ state: 'queued', progress: 0 });
    expect(
      states.filter((s) => s.state === 'running').every((s) => s.progress! > 0 && s.progress! < 100),
    ).toBe(true);
    expect(states.at(-1)).toEqual({ state: 'succeeded', progress: 100 });

    const result = await azure.fetchResult(ref);
    const bytes = await readAll(result.stream);
    const info = await withTempFile(bytes, 'v.mp4', (path) => media.probe(path));
    expect(info.durationSeconds).toBeCloseTo(4, 0);
    expect(info.width / info.height).toBeCloseTo(16 / 9, 1);

    const [create] = controls.requests;
    expect(`${create.method} ${create.path}`).toBe('POST /openai/v1/videos');
    expect(create.query).toEqual({});
    expect(create.headers['api-key']).toBe(KEY);
    expect(create.headers.authorization).toBeUndefined();
    // The OpenAI.v1 spec documents POST /videos as multipart/form-data only, text-to-video included.
    expect(create.headers['content-type']).toContain('multipart/form-data');
    expect(create.form?.fields).toEqual({
      model: 'sora-2',
      prompt: 'A lighthouse at dusk, waves rolling in',
      seconds: '4',
      size: '1280x720',
    });
    expect(create.form?.files).toEqual([]);
    const paths = controls.requests.map(
      (r) => `${r.method} ${r.path}${r.query.variant ? `?variant=${r.query.variant}` : ''}`,
    );
    expect(paths).toContain(`GET /openai/v1/videos/${ref.id}`);
    expect(paths.at(-1)).toBe(`GET /openai/v1/videos/${ref.id}/content?variant=video`);
    expect(controls.requests.every((r) => r.headers['api-key'] === KEY)).toBe(true);
  });

  it('image-to-video: multipart with input_reference, the image cropped and fitted to exactly the size', async () => {
    const azure = adapter();
    const ref = await azure.submit(
      input(sora2(), {
        image: pngImage(300, 200),
        durationSeconds: 8,
        size: '720x1280',
        crop: { left: 0.1, top: 0.1, right: 0.9, bottom: 0.9 },
      }),
    );
    const create = controls.requests[0];
    expect(create.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(create.form!.fields).toEqual({
      model: 'sora-2',
      prompt: 'A lighthouse at dusk, waves rolling in',
      seconds: '8',
      size: '720x1280',
    });
    expect(create.form!.files).toHaveLength(1);
    const [file] = create.form!.files;
    expect(file).toMatchObject({
      field: 'input_reference',
      filename: 'source.png',
      contentType: 'image/png',
    });
    const info = await media.imageInfo(file.bytes);
    expect({ width: info.width, height: info.height }).toEqual({ width: 720, height: 1280 });
    expect((await pollUntilDone(azure, ref)).at(-1)?.state).toBe('succeeded');
  });

  it('sends the key as a bearer token when configured', async () => {
    await adapter({ auth: 'bearer' }).submit(input(sora2(), { image: undefined, durationSeconds: 4 }));
    expect(controls.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(controls.requests[0].headers['api-key']).toBeUndefined();
  });

  it('cancel deletes the video; deleting again is a no-op', async () => {
    const azure = adapter();
    const ref = (await azure.submit(input(sora2(), { image: undefined, durationSeconds: 4 }))) as AzureRef;
    await azure.cancel(ref);
    expect(controls.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/openai/v1/videos/${ref.id}`,
    });
    await expect(azure.cancel(ref)).resolves.toBeUndefined();
    expect(await rejectionOf(azure.poll(ref))).toMatchObject({ reason: 'not_found' });
  });

  it('findSubmission finds a job created after an ambiguous submit, and reports absence', async () => {
    const azure = adapter();
    const since = new Date();
    const request = input(sora2(), { image: undefined, durationSeconds: 8, size: '1280x720' });
    expect(await azure.findSubmission(request, since)).toEqual({ absent: true });
    const ref = await azure.submit(request);
    expect(await azure.findSubmission(request, since)).toEqual({ found: ref });
  });

  it('refuses a frameIndex other than 0 (Sora 2 starts from the image)', async () => {
    expect(
      await rejectionOf(adapter().submit(input(sora2(), { frameIndex: 5, durationSeconds: 4 }))),
    ).toBeInstanceOf(ProviderRejectedError);
  });
});

describe('AzureSoraProvider, video generation jobs API (seed 000), against the Azure simulator', () => {
  it('image-to-video: multipart files + inpaint_items as seed 000, statuses through succeeded, download per generation', async () => {
    const azure = adapter();
    const ref = (await azure.submit(
      input(sora1(), { durationSeconds: 5, size: '1280x720', frameIndex: 2 }),
    )) as AzureRef;
    expect(ref).toMatchObject({ api: 'jobs', deployment: 'sora', id: expect.stringMatching(/^task_/) });

    const create = controls.requests[0];
    expect(`${create.method} ${create.path}`).toBe('POST /openai/v1/video/generations/jobs');
    expect(create.query).toEqual({ 'api-version': 'preview' });
    const { inpaint_items: items, ...fields } = create.form!.fields;
    expect(fields).toEqual({
      model: 'sora',
      prompt: 'A lighthouse at dusk, waves rolling in',
      width: '1280',
      height: '720',
      n_seconds: '5',
      n_variants: '1',
    });
    expect(JSON.parse(items)).toEqual([
      {
        frame_index: 2,
        type: 'image',
        file_name: 'source.png',
        crop_bounds: { left_fraction: 0, top_fraction: 0, right_fraction: 1, bottom_fraction: 1 },
      },
    ]);
    expect(
      create.form!.files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType })),
    ).toEqual([{ field: 'files', filename: 'source.png', contentType: 'image/png' }]);

    controls.setTiming({ queuePolls: 1, runPolls: 3 });
    const states = await pollUntilDone(azure, ref);
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(['queued', 'running', 'succeeded']));
    const bytes = await readAll((await azure.fetchResult(ref)).stream);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const download = controls.requests.at(-1)!;
    expect(download.path).toMatch(/^\/openai\/v1\/video\/generations\/gen_[0-9a-f]+\/content\/video$/);
    expect(download.query).toEqual({ 'api-version': 'preview' });
  });

  it('text-to-video: JSON with width, height, n_seconds and n_variants', async () => {
    await adapter().submit(input(sora1(), { image: undefined, durationSeconds: 10, size: '480x480' }));
    expect(controls.requests[0].json).toEqual({
      model: 'sora',
      prompt: 'A lighthouse at dusk, waves rolling in',
      width: 480,
      height: 480,
      n_seconds: 10,
      n_variants: 1,
    });
  });

  it('moderation failure reports failure_reason as a rejected, user-facing error', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
    const azure = adapter();
    const ref = await azure.submit(input(sora1(), { durationSeconds: 5, size: '1280x720' }));
    expect((await pollUntilDone(azure, ref)).at(-1)!.error).toMatchObject({ reason: 'moderation' });
  });

  it('cancel deletes the job (204)', async () => {
    const azure = adapter();
    const ref = (await azure.submit(
      input(sora1(), { image: undefined, durationSeconds: 5, size: '1280x720' }),
    )) as AzureRef;
    await azure.cancel(ref);
    expect(controls.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/openai/v1/video/generations/jobs/${ref.id}`,
    });
  });
});

describe('Azure faults, as the pipeline sees them', () => {
  const t2v = () => input(sora2(), { image: undefined, durationSeconds: 4 });

  it('a wrong key: 401, a permanent unauthorized failure naming the settings', async () => {
    const error = await rejectionOf(adapter({ apiKey: 'wrong' }).submit(t2v()));
    expect(error).toMatchObject({
      reason: 'unauthorized',
      message: expect.stringContaining('AZURE_OPENAI_API_KEY'),
    });
    expect(error.message).toContain('Access denied');
  });

  it('a deployment that does not exist: 404, misconfigured', async () => {
    const error = await rejectionOf(
      adapter().submit(
        input(model('sora-2', { providerModel: 'nope' }), { image: undefined, durationSeconds: 4 }),
      ),
    );
    expect(error).toMatchObject({
      reason: 'misconfigured',
      message: expect.stringContaining("deployment 'nope'"),
    });
  });

  it('429 with retry-after-ms: rate limited', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'rate-limit', retryAfterSeconds: 7 } });
    const error = await rejectionOf(adapter().submit(t2v()));
    expect(error).toBeInstanceOf(ProviderRateLimitedError);
    expect((error as ProviderRateLimitedError).retryAfterMs).toBe(7000);
  });

  it('too many running jobs: 429 "Too many running tasks" with Retry-After', async () => {
    const busy = await AzureOpenAISimulator.start({
      renderer: new SimulatedVideoRenderer(media),
      key: KEY,
      maxRunningJobs: 1,
    });
    try {
      const azure = adapter({ endpoint: busy.endpoint });
      await azure.submit(t2v());
      const error = await rejectionOf(azure.submit(t2v()));
      expect(error).toBeInstanceOf(ProviderRateLimitedError);
      expect(error).toMatchObject({
        retryAfterMs: 10_000,
        message: expect.stringContaining('Too many running tasks'),
      });
    } finally {
      await busy.stop();
    }
  });

  it.each([500, 503])('%i on create: transient', async (status) => {
    controls.inject({ on: 'submit', fault: { kind: 'server-error', status } });
    expect(await rejectionOf(adapter().submit(t2v()))).toBeInstanceOf(ProviderTransientError);
  });

  it.each([502, 504])('%i on create: ambiguous', async (status) => {
    controls.inject({ on: 'submit', fault: { kind: 'server-error', status } });
    expect(await rejectionOf(adapter().submit(t2v()))).toBeInstanceOf(ProviderAmbiguousSubmitError);
  });

  it('a create that never answers: ambiguous after the timeout', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'hang' } });
    expect(await rejectionOf(adapter({ requestTimeoutMs: 300 }).submit(t2v()))).toBeInstanceOf(
      ProviderAmbiguousSubmitError,
    );
  });

  it('malformed JSON from create: ambiguous', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'malformed-json' } });
    expect(await rejectionOf(adapter().submit(t2v()))).toBeInstanceOf(ProviderAmbiguousSubmitError);
  });

  it('an unreachable endpoint: transient (nothing was sent)', async () => {
    expect(await rejectionOf(adapter({ endpoint: await closedPortUrl() }).submit(t2v()))).toBeInstanceOf(
      ProviderTransientError,
    );
  });

  it('latency: still succeeds', async () => {
    controls.inject({ on: ['submit', 'status', 'content'], fault: { kind: 'latency', ms: 50 } });
    const azure = adapter();
    const ref = await azure.submit(t2v());
    expect((await pollUntilDone(azure, ref)).at(-1)?.state).toBe('succeeded');
    expect((await readAll((await azure.fetchResult(ref)).stream)).length).toBeGreaterThan(1000);
  });

  it('moderation: failed with moderation_blocked, a rejected user-facing error', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'moderation' }, times: 1 });
    const azure = adapter();
    const last = (await pollUntilDone(azure, await azure.submit(t2v()))).at(-1)!;
    expect(last.state).toBe('failed');
    expect(last.error).toBeInstanceOf(ProviderRejectedError);
    expect(last.error).toMatchObject({
      reason: 'moderation',
      providerDetail: expect.stringContaining('moderation_blocked'),
    });
  });

  it('a generation failure: failed, a permanent provider failure', async () => {
    controls.inject({ on: 'submit', fault: { kind: 'generation-failure' }, times: 1 });
    const azure = adapter();
    const last = (await pollUntilDone(azure, await azure.submit(t2v()))).at(-1)!;
    expect(last.error).toBeInstanceOf(ProviderFailedError);
  });

  it('input Azure rejects (400 invalid_request_error): rejected with its message', async () => {
    const wide = model('sora-2', { sizes: ['1792x1024'], defaults: { size: '1792x1024' } });
    const error = await rejectionOf(adapter().submit(input(wide, { image: undefined, durationSeconds: 4 })));
    expect(error).toBeInstanceOf(ProviderRejectedError);
    expect((error as ProviderRejectedError).userMessage).toContain("Invalid value: '1792x1024'");
  });

  it.each([
    ['429', { kind: 'rate-limit', retryAfterSeconds: 1 } as const, ProviderRateLimitedError],
    ['500', { kind: 'server-error', status: 500 } as const, ProviderTransientError],
    ['hang', { kind: 'hang' } as const, ProviderTransientError],
    ['malformed JSON', { kind: 'malformed-json' } as const, ProviderTransientError],
  ])('status %s: %p, and the next poll works', async (_name, fault, type) => {
    const azure = adapter({ requestTimeoutMs: 300 });
    const ref = await adapter().submit(t2v());
    controls.inject({ on: 'status', fault, times: 1 });
    expect(await rejectionOf(azure.poll(ref))).toBeInstanceOf(type);
    expect((await adapter().poll(ref)).state).toBe('queued');
  });

  describe('downloading the content', () => {
    let ref: AzureRef;
    const azure = () => adapter();
    beforeEach(async () => {
      ref = (await adapter().submit(t2v())) as AzureRef;
      await pollUntilDone(adapter(), ref);
    });

    it('404: the result is unavailable', async () => {
      controls.inject({ on: 'content', fault: { kind: 'not-found' } });
      expect(await rejectionOf(azure().fetchResult(ref))).toMatchObject({ reason: 'result_unavailable' });
    });

    it('truncated: the stream fails with a transient error', async () => {
      controls.inject({ on: 'content', fault: { kind: 'truncated' } });
      expect(await rejectionOf(readAll((await azure().fetchResult(ref)).stream))).toBeInstanceOf(
        ProviderTransientError,
      );
    });

    it('non-video content: transient', async () => {
      controls.inject({ on: 'content', fault: { kind: 'non-video' } });
      expect(await rejectionOf(azure().fetchResult(ref))).toBeInstanceOf(ProviderTransientError);
    });

    it('429 on download: rate limited', async () => {
      controls.inject({ on: 'content', fault: { kind: 'rate-limit', retryAfterSeconds: 4 } });
      expect(await rejectionOf(azure().fetchResult(ref))).toMatchObject({ retryAfterMs: 4000 });
    });

    it('hang: transient', async () => {
      controls.inject({ on: 'content', fault: { kind: 'hang' } });
      expect(await rejectionOf(adapter({ requestTimeoutMs: 500 }).fetchResult(ref))).toBeInstanceOf(
        ProviderTransientError,
      );
    });
  });
});
