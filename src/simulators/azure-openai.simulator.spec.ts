import { SimulatorControls } from '../../test/support/simulator-controls.js';
import axios from 'axios';
import FormData from 'form-data';
import { pngImage, testMediaService } from '../../test/support/provider-fixtures.js';
import { AzureOpenAISimulator } from './azure-openai.simulator.js';
import { SimulatedVideoRenderer } from './simulated-video.renderer.js';

const KEY = 'k';
let simulator: AzureOpenAISimulator;
let controls: SimulatorControls;
const http = () =>
  axios.create({ baseURL: simulator.endpoint, headers: { 'api-key': KEY }, validateStatus: () => true });

beforeAll(async () => {
  simulator = await AzureOpenAISimulator.start({
    renderer: new SimulatedVideoRenderer(testMediaService()),
    key: KEY,
    maxRunningJobs: 50,
  });
  controls = SimulatorControls.of(simulator);
});
afterAll(async () => {
  await simulator.stop();
});

function videoForm(
  fields: Record<string, string>,
  image?: { bytes: Buffer; type: string; field?: string },
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (image)
    form.append(image.field ?? 'input_reference', image.bytes, {
      filename: 'a.png',
      contentType: image.type,
    });
  return form;
}

describe('Azure simulator: strict validation, as documented', () => {
  it("401 without a key, with Azure's body", async () => {
    const res = await axios.get(`${simulator.endpoint}/openai/v1/videos`, { validateStatus: () => true });
    expect(res.status).toBe(401);
    expect(res.data.error.code).toBe('401');
  });

  it('seconds must be the string "4", "8" or "12"', async () => {
    const res = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: '5',
      size: '1280x720',
    });
    expect(res.status).toBe(400);
    expect(res.data.error).toEqual({
      message: "Invalid value: '5'. Supported values are: '4', '8', and '12'.",
      type: 'invalid_request_error',
      param: 'seconds',
      code: 'invalid_value',
    });
    const number = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: 8,
      size: '1280x720',
    });
    expect(number.status).toBe(400);
  });

  it('size must be a supported size', async () => {
    const res = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '480x480',
    });
    expect(res.status).toBe(400);
    expect(res.data.error.param).toBe('size');
  });

  it('input_reference must match size exactly', async () => {
    const form = videoForm(
      { model: 'sora-2', prompt: 'p', seconds: '4', size: '1280x720' },
      { bytes: pngImage(64, 36).bytes, type: 'image/png' },
    );
    const res = await http().post('/openai/v1/videos', form, { headers: form.getHeaders() });
    expect(res.status).toBe(400);
    expect(res.data.error.message).toBe('Inpaint image must match the requested width and height');
  });

  it('input_reference must be an image file, not a string or a gif', async () => {
    const asString = videoForm({
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
      input_reference: 'https://x/y.png',
    });
    expect(
      (await http().post('/openai/v1/videos', asString, { headers: asString.getHeaders() })).data.error.code,
    ).toBe('invalid_type');
    const gif = videoForm(
      { model: 'sora-2', prompt: 'p', seconds: '4', size: '1280x720' },
      { bytes: Buffer.from('GIF89a'), type: 'image/gif' },
    );
    expect((await http().post('/openai/v1/videos', gif, { headers: gif.getHeaders() })).status).toBe(400);
  });

  it('inpaint_items is refused on the Videos API (Sora 2 takes input_reference)', async () => {
    const form = videoForm({
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
      inpaint_items: '[]',
    });
    const res = await http().post('/openai/v1/videos', form, { headers: form.getHeaders() });
    expect(res.data.error).toMatchObject({
      message: "Unknown parameter: 'inpaint_items'.",
      code: 'unknown_parameter',
    });
  });

  it('jobs API: inpaint_items must be a JSON string whose file_name matches a files part', async () => {
    const base = {
      model: 'sora',
      prompt: 'p',
      width: '1280',
      height: '720',
      n_seconds: '5',
      n_variants: '1',
    };
    const item = (fileName: string) =>
      JSON.stringify([
        {
          frame_index: 0,
          type: 'image',
          file_name: fileName,
          crop_bounds: { left_fraction: 0, top_fraction: 0, right_fraction: 1, bottom_fraction: 1 },
        },
      ]);
    const send = async (fields: Record<string, string>) => {
      const form = videoForm(fields, { bytes: pngImage(64, 36).bytes, type: 'image/png', field: 'files' });
      return http().post('/openai/v1/video/generations/jobs?api-version=preview', form, {
        headers: form.getHeaders(),
      });
    };
    // The jobs API answers errors top-level ({code, message, ...}), as its spec defines.
    expect((await send({ ...base, inpaint_items: item('other.png') })).data.message).toContain(
      "file_name 'other.png' does not match",
    );
    expect((await send({ ...base, inpaint_items: 'not json' })).data.message).toBe(
      'inpaint_items must be JSON string',
    );
    const badCrop = JSON.stringify([
      {
        frame_index: 0,
        type: 'image',
        file_name: 'a.png',
        crop_bounds: { left_fraction: 0.9, top_fraction: 0, right_fraction: 0.1, bottom_fraction: 1 },
      },
    ]);
    expect((await send({ ...base, inpaint_items: badCrop })).data.message).toContain('left < right');
    expect((await send({ ...base, width: '1000', inpaint_items: item('a.png') })).data.param).toBe('width');
    const ok = await send({ ...base, inpaint_items: item('a.png') });
    expect(ok.status).toBe(200);
    expect(ok.data).toMatchObject({
      object: 'video.generation.job',
      status: 'queued',
      n_seconds: 5,
      width: 1280,
      height: 720,
    });
  });

  it('unknown deployment: 404 video_generation_user_error', async () => {
    const res = await http().post('/openai/v1/videos', {
      model: 'gpt-4',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
    });
    expect(res.status).toBe(404);
    expect(res.data.error.type).toBe('video_generation_user_error');
  });

  it('content before completion: 404', async () => {
    controls.setTiming({ queuePolls: 5, runPolls: 5 });
    const created = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
    });
    const res = await http().get(`/openai/v1/videos/${created.data.id}/content?variant=video`);
    expect(res.status).toBe(404);
  });
});

describe('Azure simulator: what the OpenAI.v1 spec and the SDKs send', () => {
  const create = (query = '') =>
    http().post(`/openai/v1/videos${query}`, {
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
    });

  it('accepts api-version=v1 (the spec default), preview and none; refuses others', async () => {
    for (const query of ['', '?api-version=v1', '?api-version=preview'])
      expect((await create(query)).status).toBe(200);
    expect((await create('?api-version=2025-04-01-preview')).status).toBe(400);
  });

  it('accepts input_reference as {image_url}: a JSON object, or the SDK multipart field input_reference[image_url]', async () => {
    const uri = `data:image/png;base64,${pngImage(1280, 720).bytes.toString('base64')}`;
    const json = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
      input_reference: { image_url: uri },
    });
    expect(json.status).toBe(200);
    const form = videoForm({
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
      'input_reference[image_url]': uri,
    });
    expect((await http().post('/openai/v1/videos', form, { headers: form.getHeaders() })).status).toBe(200);
    const bad = await http().post('/openai/v1/videos', {
      model: 'sora-2',
      prompt: 'p',
      seconds: '4',
      size: '1280x720',
      input_reference: { image_url: 'https://example.com/a.png' },
    });
    expect(bad.status).toBe(400);
  });

  it('serves variant=spritesheet, and remixes a completed video', async () => {
    controls.setTiming({ queuePolls: 0, runPolls: 0 });
    const created = await create();
    let view = created.data;
    for (let i = 0; i < 600 && view.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      view = (await http().get(`/openai/v1/videos/${created.data.id}`)).data;
    }
    expect(view.status).toBe('completed');
    const sprites = await http().get(`/openai/v1/videos/${view.id}/content?variant=spritesheet`);
    expect(sprites.status).toBe(200);
    expect(sprites.headers['content-type']).toBe('image/jpeg');
    const remix = await http().post(`/openai/v1/videos/${view.id}/remix`, { prompt: 'the same, at night' });
    expect(remix.status).toBe(200);
    expect(remix.data).toMatchObject({
      object: 'video',
      remixed_from_video_id: view.id,
      prompt: 'the same, at night',
    });
  });
});
