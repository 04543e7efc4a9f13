import { spawn } from 'node:child_process';
import { open, readFile, rm, stat } from 'node:fs/promises';

/**
 * A playable H.264 MP4 of `seconds` (24 fps) of at least `targetBytes`: lossless frames of noise, which do
 * not compress, at a size chosen for the target. Returns the actual size.
 */
export async function makeLargeVideo(path: string, targetBytes: number, seconds = 8): Promise<number> {
  // Lossless x264 on full noise costs about 1.85 bytes per pixel and frame.
  let pixels = targetBytes / (1.85 * 24 * seconds);
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const width = even(Math.sqrt((pixels * 16) / 9));
    const height = even(pixels / width);
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `color=c=gray:s=${width}x${height}:r=24,noise=alls=100:allf=t+u`,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      path,
    ]);
    const { size } = await stat(path);
    if (size >= targetBytes && size <= targetBytes * 1.15) return size;
    pixels *= (targetBytes * 1.05) / size;
  }
  return (await stat(path)).size;
}

/** A small 720p video of `seconds`, like a model's ordinary output. */
export function makeSmallVideo(path: string, seconds = 8): Promise<number> {
  return makeTestPattern(path, { size: '1280x720', rate: 24, seconds, faststart: true });
}

const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`ffmpeg failed (${code}): ${stderr}`)),
    );
  });
}

/** A very small 8 s video (160x90, 12 fps), so that 1,000 results cost the machine little to handle. */
export function makeTinyVideo(path: string, seconds = 8): Promise<number> {
  return makeTestPattern(path, { size: '160x90', rate: 12, seconds, faststart: false });
}

/** ffmpeg's moving test pattern as H.264, `seconds` long; returns the file's size. */
async function makeTestPattern(
  path: string,
  options: { size: string; rate: number; seconds: number; faststart: boolean },
): Promise<number> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${options.size}:rate=${options.rate}`,
    '-t',
    String(options.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    ...(options.faststart ? ['-movflags', '+faststart'] : []),
    path,
  ]);
  return (await stat(path)).size;
}

/**
 * A playable MP4 of at least `targetBytes`: an ordinary 8 s 720p H.264 video (moov first) followed by a `free`
 * box of padding, which every MP4 reader skips. The bytes a worker must move are all there; the decoding work
 * ffprobe and ffmpeg do on it stays that of an ordinary video (their processes are not the worker's memory).
 */
export async function makePaddedVideo(path: string, targetBytes: number, seconds = 8): Promise<number> {
  const core = `${path}.core.mp4`;
  await makeSmallVideo(core, seconds);
  const video = await readFile(core);
  await rm(core, { force: true });
  const padding = Math.max(8, targetBytes - video.length);
  const header = Buffer.alloc(16);
  // A 64-bit box: size 1, type "free", then the real size, so padding beyond 4 GB would still be valid.
  header.writeUInt32BE(1, 0);
  header.write('free', 4, 'ascii');
  header.writeBigUInt64BE(BigInt(padding), 8);
  const handle = await open(path, 'w');
  try {
    await handle.write(video);
    await handle.write(header);
    const chunk = Buffer.alloc(8 * 1024 * 1024);
    for (let left = padding - 16; left > 0; left -= chunk.length) {
      await handle.write(chunk, 0, Math.min(chunk.length, left));
    }
  } finally {
    await handle.close();
  }
  return (await stat(path)).size;
}
