import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-errors.js';
import type { ChainBody, CreateGenerationBody, Crop, ExtendBody } from './service-types.js';

const SERVICE_ENV = `Environment:
  VIDEO_GEN_URL     the service (default http://localhost:3000)
  VIDEO_GEN_TOKEN   bearer token; for a local service: export VIDEO_GEN_TOKEN=$(npm run -s token -- --sub me)
`;

export const COMMAND_USAGE = {
  generate: `Usage: video-gen generate "prompt" [options]

Makes one video: uploads --input-image (image-to-video; without it, text-to-video), queues the generation,
shows its progress and downloads the result. Ctrl-C asks whether to cancel it at the service.

Options:
  -i, --input-image <file>   JPEG, PNG or WebP to start from
  -m, --model <model>        e.g. veo3, sora-2, local-motion (default: the service's)
  -d, --duration <seconds>   video length, e.g. 5s, 8s, 10s (default: the service's, 8s)
      --frame-index <n>      frame where the image appears (default 0, the start)
      --crop-left <0..1>     where the image sits in the frame, as fractions; give any of the four,
      --crop-top <0..1>        the others default to the full frame (0, 0, 1, 1)
      --crop-right <0..1>
      --crop-bottom <0..1>
      --project <id>         project to file the video under
      --aspect-ratio <r>     auto, 16:9, 9:16 or 1:1
      --resolution <r>       720p, 1080p or 4k
      --audio, --no-audio    ask the model for a soundtrack, or not
      --negative-prompt <t>  what the video should not show
      --seed <n>             seed for a repeatable result
  -o, --output <file.mp4>    where to save the video (default <generation id>.mp4 here)
  -h, --help                 show this help

${SERVICE_ENV}`,

  extend: `Usage: video-gen extend <generationId> "prompt" [options]

Makes a new, longer video: the finished generation followed by a new segment generated from its last
frame. Only the new segment is charged.

Options:
  -d, --duration <seconds>   length of the new part (Veo 3.1 extends natively, 7 s a call)
  -m, --model <model>        model for the new segment (default: the original's)
  -o, --output <file.mp4>    where to save the video (default <new generation id>.mp4 here)
  -h, --help                 show this help

${SERVICE_ENV}`,

  chain: `Usage: video-gen chain "prompt" ["next prompt" ...] --duration <seconds> [options]

Makes one long video from segments, each generated from the last frame of the previous one, stitched
together (seed 000's chain_videos.py). Several prompts are used one per segment, in order.

Options:
  -d, --duration <seconds>   total length, e.g. 36 (Veo 3.1: 8 s, then four 7 s extensions)
  -m, --model <model>        e.g. veo3.1, kling-4, sora-2, local-motion
  -i, --image <file>         image the first segment starts from
      --transition <t>       cut (default) or crossfade between segments
  -o, --output <file.mp4>    where to save the video (default <generation id>.mp4 here)
  -h, --help                 show this help

${SERVICE_ENV}`,

  status: `Usage: video-gen status <generationId> [--json] [-o file.mp4]

Shows a generation's status, progress and credits. With -o, downloads its video when it has succeeded.

Options:
      --json                 print the service's JSON
  -o, --output <file.mp4>    save the finished video here
  -h, --help                 show this help

${SERVICE_ENV}`,

  cancel: `Usage: video-gen cancel <generationId> [--json]

Cancels a queued or running generation; what was not delivered is refunded.

Options:
      --json                 print the service's JSON
  -h, --help                 show this help

${SERVICE_ENV}`,

  credits: `Usage: video-gen credits [--json]

Shows your credit balance.

Options:
      --json                 print the service's JSON
  -h, --help                 show this help

${SERVICE_ENV}`,

  'extract-last-frame': `Usage: video-gen extract-last-frame <video> [-o frame.jpg]

Saves the last frame of a video, to start the next segment from (runs locally, no service needed).

Options:
  -o, --output <file>   output image (.jpg, .png or .webp); default <video>.last.jpg beside the video
  -h, --help            show this help
`,
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const USAGE = `Usage: video-gen <command> [options]

Commands:
  generate "prompt" [-i image] [-o out.mp4]       make a video (image-to-video or text-to-video)
  extend <id> "prompt" [-o out.mp4]               continue a finished video from its last frame
  chain "prompt" --duration 36 [-o long.mp4]      make a long video from chained segments
  status <id> [-o out.mp4]                        show a generation (and download its video)
  cancel <id>                                     cancel a generation
  credits                                         show your credit balance
  extract-last-frame <video> [-o frame.jpg]       save a video's last frame (local, no service needed)

Run \`video-gen <command> --help\` for a command's options.

${SERVICE_ENV}`;

export type ParsedCommand =
  | { name: 'help'; text: string }
  | { name: 'extract-last-frame'; video: string; output?: string }
  | {
      name: 'generate';
      inputImage?: string;
      output?: string;
      body: Omit<CreateGenerationBody, 'kind' | 'id'>;
    }
  | { name: 'extend'; generationId: string; output?: string; body: ExtendBody }
  | { name: 'chain'; image?: string; output?: string; body: Omit<ChainBody, 'imageId'> }
  | { name: 'status'; generationId: string; output?: string; json: boolean }
  | { name: 'cancel'; generationId: string; json: boolean }
  | { name: 'credits'; json: boolean };

const HELP = { help: { type: 'boolean', short: 'h' } } as const;
const OUTPUT = { output: { type: 'string', short: 'o' } } as const;
const JSON_FLAG = { json: { type: 'boolean' } } as const;

/** Turns argv (without `node` and the script) into a command; throws UsageError for anything wrong. */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('no command given', USAGE);
  if (command === '-h' || command === '--help') return { name: 'help', text: USAGE };
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { name: 'help', text: USAGE };
    if (!isCommandName(topic)) throw new UsageError(`unknown command "${topic}"`, USAGE);
    return { name: 'help', text: COMMAND_USAGE[topic] };
  }
  if (!isCommandName(command)) throw new UsageError(`unknown command "${command}"`, USAGE);
  const usage = COMMAND_USAGE[command];
  switch (command) {
    case 'generate':
      return parseGenerate(rest, usage);
    case 'extend':
      return parseExtend(rest, usage);
    case 'chain':
      return parseChain(rest, usage);
    case 'status': {
      const { values, positionals } = parse(rest, usage, { ...OUTPUT, ...JSON_FLAG });
      if (values.help) return { name: 'help', text: usage };
      const [generationId] = exactly(positionals, 1, 'a generation id', usage);
      return { name: 'status', generationId, output: values.output, json: values.json ?? false };
    }
    case 'cancel': {
      const { values, positionals } = parse(rest, usage, JSON_FLAG);
      if (values.help) return { name: 'help', text: usage };
      const [generationId] = exactly(positionals, 1, 'a generation id', usage);
      return { name: 'cancel', generationId, json: values.json ?? false };
    }
    case 'credits': {
      const { values, positionals } = parse(rest, usage, JSON_FLAG);
      if (values.help) return { name: 'help', text: usage };
      exactly(positionals, 0, 'no arguments', usage);
      return { name: 'credits', json: values.json ?? false };
    }
    case 'extract-last-frame': {
      const { values, positionals } = parse(rest, usage, OUTPUT);
      if (values.help) return { name: 'help', text: usage };
      const [video] = exactly(positionals, 1, 'exactly one video', usage);
      return { name: 'extract-last-frame', video, output: values.output };
    }
  }
}

function parseGenerate(argv: readonly string[], usage: string): ParsedCommand {
  const { values, positionals } = parse(argv, usage, {
    ...OUTPUT,
    'input-image': { type: 'string', short: 'i' },
    model: { type: 'string', short: 'm' },
    duration: { type: 'string', short: 'd' },
    'frame-index': { type: 'string' },
    'crop-left': { type: 'string' },
    'crop-top': { type: 'string' },
    'crop-right': { type: 'string' },
    'crop-bottom': { type: 'string' },
    project: { type: 'string' },
    'aspect-ratio': { type: 'string' },
    resolution: { type: 'string' },
    audio: { type: 'boolean' },
    'negative-prompt': { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) return { name: 'help', text: usage };
  const [prompt] = exactly(positionals, 1, 'one prompt (quote it)', usage);
  const crop = parseCrop(values, usage);
  const body: Omit<CreateGenerationBody, 'kind' | 'id'> = compact({
    prompt,
    duration: values.duration === undefined ? undefined : segmentDuration(values.duration),
    model: values.model,
    frameIndex: wholeNumber(values['frame-index'], '--frame-index', usage),
    crop,
    projectId: values.project,
    aspectRatio: values['aspect-ratio'],
    resolution: values.resolution,
    generateAudio: values.audio,
    negativePrompt: values['negative-prompt'],
    seed: wholeNumber(values.seed, '--seed', usage),
  });
  if ((body.frameIndex !== undefined || crop) && !values['input-image']) {
    throw new UsageError('--frame-index and --crop-* place an image: give it with --input-image', usage);
  }
  return { name: 'generate', inputImage: values['input-image'], output: values.output, body };
}

function parseExtend(argv: readonly string[], usage: string): ParsedCommand {
  const { values, positionals } = parse(argv, usage, {
    ...OUTPUT,
    model: { type: 'string', short: 'm' },
    duration: { type: 'string', short: 'd' },
  });
  if (values.help) return { name: 'help', text: usage };
  const [generationId, prompt] = exactly(positionals, 2, 'a generation id and a prompt', usage);
  return {
    name: 'extend',
    generationId,
    output: values.output,
    body: compact({
      prompt,
      duration: values.duration === undefined ? undefined : segmentDuration(values.duration),
      model: values.model,
    }),
  };
}

function parseChain(argv: readonly string[], usage: string): ParsedCommand {
  const { values, positionals } = parse(argv, usage, {
    ...OUTPUT,
    model: { type: 'string', short: 'm' },
    duration: { type: 'string', short: 'd' },
    image: { type: 'string', short: 'i' },
    transition: { type: 'string' },
  });
  if (values.help) return { name: 'help', text: usage };
  if (positionals.length === 0) throw new UsageError('chain needs a prompt (quote it)', usage);
  if (values.duration === undefined) throw new UsageError('chain needs --duration <seconds>', usage);
  const seconds = /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(values.duration);
  if (!seconds || Number(seconds[1]) <= 0) {
    throw new UsageError(
      `--duration must be a number of seconds, such as 36 (got "${values.duration}")`,
      usage,
    );
  }
  const transition = values.transition;
  if (transition !== undefined && transition !== 'cut' && transition !== 'crossfade') {
    throw new UsageError(`--transition must be cut or crossfade (got "${transition}")`, usage);
  }
  return {
    name: 'chain',
    image: values.image,
    output: values.output,
    body: compact({
      ...(positionals.length === 1 ? { prompt: positionals[0] } : { prompts: positionals }),
      totalDuration: Number(seconds[1]),
      model: values.model,
      transition,
    }),
  };
}

/** "8" means "8s": the service's durations are strings with a unit. Anything else goes as given. */
export function segmentDuration(value: string): string {
  return /^\d+$/.test(value.trim()) ? `${value.trim()}s` : value;
}

function parseCrop(values: Record<string, unknown>, usage: string): Crop | undefined {
  const sides = ['left', 'top', 'right', 'bottom'] as const;
  const given = sides.filter((side) => values[`crop-${side}`] !== undefined);
  if (given.length === 0) return undefined;
  const fullFrame: Crop = { left: 0, top: 0, right: 1, bottom: 1 };
  for (const side of given) {
    const raw = String(values[`crop-${side}`]);
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(value)) {
      throw new UsageError(`--crop-${side} must be a fraction between 0 and 1 (got "${raw}")`, usage);
    }
    fullFrame[side] = value;
  }
  return fullFrame;
}

function wholeNumber(raw: string | undefined, flag: string, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    throw new UsageError(`${flag} must be a whole number, 0 or more (got "${raw}")`, usage);
  }
  return Number(raw);
}

function exactly(positionals: string[], count: number, what: string, usage: string): string[] {
  if (positionals.length !== count) {
    const got = positionals.length === 0 ? 'nothing' : positionals.map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(`expected ${what}, got ${got}`, usage);
  }
  return positionals;
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  usage: string,
  options: O,
) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      options: { ...options, ...HELP },
    });
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message, usage);
    throw error;
  }
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGE, name);
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
