import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';

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
export async function makeSmallVideo(path: string, seconds = 8): Promise<number> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=24',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    path,
  ]);
  return (await stat(path)).size;
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
export async function makeTinyVideo(path: string, seconds = 8): Promise<number> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x90:rate=12',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    path,
  ]);
  return (await stat(path)).size;
}
