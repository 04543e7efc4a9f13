import { MediaError } from './media.error.js';
import { runProcess } from './ffmpeg.runner.js';
import { parseVersion } from './media.parsers.js';

export interface ResolvedBinary {
  path: string;
  version: string;
  /** Where it came from, for the start-up log. */
  source: 'config' | 'PATH' | 'npm';
}

/** The optional npm packages export `{ path }`; they may be missing (optional dependency) or unsupported here. */
async function packagedBinary(packageName: string): Promise<string | undefined> {
  try {
    const loaded = (await import(packageName)) as { default?: { path?: unknown }; path?: unknown };
    const path = loaded.default?.path ?? loaded.path;
    return typeof path === 'string' ? path : undefined;
  } catch {
    return undefined;
  }
}

async function versionOf(path: string): Promise<string> {
  const { stdout } = await runProcess(path, ['-version'], { timeoutMs: 15_000, captureStdout: true });
  return parseVersion(stdout.toString('utf8'));
}

/**
 * Finds a working binary: the configured path (which must work: a wrong setting is an error, not a fallback),
 * else the name on PATH (spawn searches PATH), else the one shipped in the npm package.
 */
export async function resolveBinary(
  name: 'ffmpeg' | 'ffprobe',
  configured: string | undefined,
  packageName: string,
): Promise<ResolvedBinary> {
  const setting = name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  if (configured) {
    try {
      return { path: configured, version: await versionOf(configured), source: 'config' };
    } catch (error) {
      throw new MediaError(
        'UNAVAILABLE',
        `${setting}=${configured} cannot be run: ${(error as Error).message}`,
        {},
        { cause: error },
      );
    }
  }
  try {
    return { path: name, version: await versionOf(name), source: 'PATH' };
  } catch {
    // Not on PATH: try the packaged binary next.
  }
  const packaged = await packagedBinary(packageName);
  if (packaged) {
    try {
      return { path: packaged, version: await versionOf(packaged), source: 'npm' };
    } catch {
      // Present but unusable (wrong platform, not executable): reported below.
    }
  }
  throw new MediaError(
    'UNAVAILABLE',
    `${name} not found: set ${setting}, install ffmpeg (e.g. apt-get install ffmpeg), or install ${packageName}`,
  );
}
