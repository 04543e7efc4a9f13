import { COMMAND_USAGE, parseCommand, segmentDuration, USAGE } from './cli-args.js';
import { UsageError } from './cli-errors.js';

function usageError(argv: string[]): UsageError {
  try {
    parseCommand(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

describe('parseCommand: generate', () => {
  it('reads seed 000’s image-to-video line', () => {
    expect(
      parseCommand([
        'generate',
        'Ocean waves crashing',
        '--input-image',
        'beach.jpg',
        '-o',
        'animated_beach.mp4',
      ]),
    ).toEqual({
      name: 'generate',
      inputImage: 'beach.jpg',
      output: 'animated_beach.mp4',
      body: { prompt: 'Ocean waves crashing' },
    });
  });

  it('maps every option to the request body', () => {
    expect(
      parseCommand([
        'generate',
        'A bird flying',
        '-i',
        'frame1.jpg',
        '--model',
        'sora-2',
        '--duration',
        '10s',
        '--frame-index',
        '12',
        '--crop-left',
        '0.1',
        '--crop-top',
        '0.1',
        '--crop-right',
        '0.9',
        '--crop-bottom',
        '0.9',
        '--project',
        'project-456',
        '--aspect-ratio',
        '16:9',
        '--resolution',
        '1080p',
        '--no-audio',
        '--negative-prompt',
        'blur',
        '--seed',
        '42',
      ]),
    ).toEqual({
      name: 'generate',
      inputImage: 'frame1.jpg',
      body: {
        prompt: 'A bird flying',
        model: 'sora-2',
        duration: '10s',
        frameIndex: 12,
        crop: { left: 0.1, top: 0.1, right: 0.9, bottom: 0.9 },
        projectId: 'project-456',
        aspectRatio: '16:9',
        resolution: '1080p',
        generateAudio: false,
        negativePrompt: 'blur',
        seed: 42,
      },
    });
  });

  it('fills the crop sides not given with the full frame (seed 000’s default)', () => {
    expect(parseCommand(['generate', 'p', '-i', 'a.png', '--crop-left=0.25'])).toMatchObject({
      body: { crop: { left: 0.25, top: 0, right: 1, bottom: 1 } },
    });
  });

  it('text-to-video without an image; a bare number of seconds gets its unit', () => {
    expect(parseCommand(['generate', 'A journey', '-d', '8', '--audio'])).toEqual({
      name: 'generate',
      body: { prompt: 'A journey', duration: '8s', generateAudio: true },
    });
    // Other durations go to the service as given: it knows each model's durations and says which are allowed.
    expect(segmentDuration('7s')).toBe('7s');
    expect(segmentDuration('long')).toBe('long');
  });

  it('refuses what cannot be sent', () => {
    expect(usageError(['generate']).message).toBe('expected one prompt (quote it), got nothing');
    expect(usageError(['generate', 'two', 'words']).message).toBe(
      'expected one prompt (quote it), got "two" "words"',
    );
    expect(usageError(['generate', 'p', '-i', 'a.png', '--frame-index', '1.5']).message).toBe(
      '--frame-index must be a whole number, 0 or more (got "1.5")',
    );
    expect(usageError(['generate', 'p', '-i', 'a.png', '--crop-top', 'half']).message).toBe(
      '--crop-top must be a fraction between 0 and 1 (got "half")',
    );
    expect(usageError(['generate', 'p', '--crop-top', '0.1']).message).toBe(
      '--frame-index and --crop-* place an image: give it with --input-image',
    );
    expect(usageError(['generate', 'p', '--seed', '-1']).message).toMatch(/--seed/);
    const unknown = usageError(['generate', 'p', '--input', 'a.png']);
    expect(unknown.message).toMatch(/Unknown option '--input'/);
    expect(unknown.usage).toBe(COMMAND_USAGE.generate);
    expect(usageError(['generate', 'p', '--model']).message).toMatch(/--model/);
  });
});

describe('parseCommand: extend and chain', () => {
  it('reads extend', () => {
    expect(
      parseCommand(['extend', 'g-1', 'The bird continues flying', '-d', '5s', '-o', 'seg2.mp4']),
    ).toEqual({
      name: 'extend',
      generationId: 'g-1',
      output: 'seg2.mp4',
      body: { prompt: 'The bird continues flying', duration: '5s' },
    });
    expect(usageError(['extend', 'g-1']).message).toBe('expected a generation id and a prompt, got "g-1"');
  });

  it('reads seed 000’s chain_videos.py line, and several prompts', () => {
    expect(
      parseCommand(['chain', 'A journey through the mountains', '--duration', '36', '-o', 'long_video.mp4']),
    ).toEqual({
      name: 'chain',
      output: 'long_video.mp4',
      body: { prompt: 'A journey through the mountains', totalDuration: 36 },
    });
    expect(
      parseCommand([
        'chain',
        'Dawn',
        'Noon',
        '-d',
        '24s',
        '--model',
        'sora-2',
        '--image',
        'start.png',
        '--transition',
        'crossfade',
      ]),
    ).toEqual({
      name: 'chain',
      image: 'start.png',
      body: { prompts: ['Dawn', 'Noon'], totalDuration: 24, model: 'sora-2', transition: 'crossfade' },
    });
  });

  it('refuses a chain without a usable duration or with an unknown transition', () => {
    expect(usageError(['chain', 'p']).message).toBe('chain needs --duration <seconds>');
    expect(usageError(['chain', '-d', '36']).message).toBe('chain needs a prompt (quote it)');
    expect(usageError(['chain', 'p', '-d', 'long']).message).toBe(
      '--duration must be a number of seconds, such as 36 (got "long")',
    );
    expect(usageError(['chain', 'p', '-d', '0']).message).toMatch(/number of seconds/);
    expect(usageError(['chain', 'p', '-d', '36', '--transition', 'wipe']).message).toBe(
      '--transition must be cut or crossfade (got "wipe")',
    );
  });
});

describe('parseCommand: status, cancel, credits, help', () => {
  it('reads the small commands', () => {
    expect(parseCommand(['status', 'g-1'])).toEqual({ name: 'status', generationId: 'g-1', json: false });
    expect(parseCommand(['status', 'g-1', '--json', '-o', 'v.mp4'])).toEqual({
      name: 'status',
      generationId: 'g-1',
      output: 'v.mp4',
      json: true,
    });
    expect(parseCommand(['cancel', 'g-1'])).toEqual({ name: 'cancel', generationId: 'g-1', json: false });
    expect(parseCommand(['credits', '--json'])).toEqual({ name: 'credits', json: true });
    expect(parseCommand(['extract-last-frame', 'v.mp4', '-o', 'f.jpg'])).toEqual({
      name: 'extract-last-frame',
      video: 'v.mp4',
      output: 'f.jpg',
    });
    expect(usageError(['status']).message).toBe('expected a generation id, got nothing');
    expect(usageError(['credits', 'now']).message).toBe('expected no arguments, got "now"');
  });

  it('gives each command its own help, with or without other arguments', () => {
    for (const name of Object.keys(COMMAND_USAGE) as Array<keyof typeof COMMAND_USAGE>) {
      expect(parseCommand([name, '--help'])).toEqual({ name: 'help', text: COMMAND_USAGE[name] });
      expect(parseCommand([name, 'x', '-h'])).toEqual({ name: 'help', text: COMMAND_USAGE[name] });
      expect(parseCommand(['help', name])).toEqual({ name: 'help', text: COMMAND_USAGE[name] });
      expect(COMMAND_USAGE[name]).toMatch(new RegExp(`^Usage: video-gen ${name} `));
    }
    expect(parseCommand(['--help'])).toEqual({ name: 'help', text: USAGE });
    expect(parseCommand(['help'])).toEqual({ name: 'help', text: USAGE });
    expect(usageError([]).message).toBe('no command given');
    expect(usageError(['dance']).message).toBe('unknown command "dance"');
    expect(usageError(['help', 'dance']).usage).toBe(USAGE);
  });

  it('tells how to get a token in every service command’s help', () => {
    for (const name of ['generate', 'extend', 'chain', 'status', 'cancel', 'credits'] as const) {
      expect(COMMAND_USAGE[name]).toContain('export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)');
    }
  });
});
