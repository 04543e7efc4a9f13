// In-memory fakes of the storage and media ports, but real files in a temporary folder (the intake reads the
// stills back from disk), so this spec runs with `npm test`, not in the unit tier.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { MediaService } from '../../media/media.service.js';
import type { VideoInfo } from '../../media/media.types.js';
import type { ObjectStorage, StoredObjectInfo, TeeUpload } from '../../storage/object-storage.js';
import { ResultIntake } from './result-intake.js';

const INFO = { durationSeconds: 8, width: 320, height: 240 } as VideoInfo;

/** The storage port in memory: an upload is written whole at once, and stored when the spec says so. */
class FakeStorage {
  readonly objects = new Map<string, Buffer>();
  readonly cancelled: string[] = [];
  storeFails: Error | undefined;

  uploadWhileWriting(key: string, body: Readable, path: string): TeeUpload {
    const written = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      await writeFile(path, bytes);
      return bytes;
    })();
    const stored = written.then((bytes): StoredObjectInfo => {
      if (this.storeFails) throw this.storeFails;
      this.objects.set(key, bytes);
      return { key, bytes: bytes.length };
    });
    stored.catch(() => undefined);
    return {
      written: written.then((bytes) => bytes.length),
      stored,
      cancel: async () => {
        this.cancelled.push(key);
        await stored.catch(() => undefined);
        this.objects.delete(key);
      },
    };
  }

  async put(key: string, body: Buffer): Promise<StoredObjectInfo> {
    this.objects.set(key, body);
    return { key, bytes: body.length };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

/** ffmpeg's part in memory: the stills are files with their names in them. */
const fakeMedia = {
  probe: async () => INFO,
  extractLastFrame: async (_video: string, output: string) => writeFile(output, 'last-frame'),
  stills: async (_video: string, _info: VideoInfo, outputs: { thumbnail: string; lastFrame: string }) => {
    await writeFile(outputs.thumbnail, 'thumbnail');
    await writeFile(outputs.lastFrame, 'last-frame');
  },
};

describe('ResultIntake', () => {
  let dir: string;
  let storage: FakeStorage;
  let intake: ResultIntake;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-intake-unit-'));
    storage = new FakeStorage();
    intake = new ResultIntake(storage as unknown as ObjectStorage, fakeMedia as unknown as MediaService);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const video = Buffer.from('a video, as the provider sent it');
  const stills = () => ({
    thumbnail: { key: 'videos/u/g.jpg', file: join(dir, 'thumbnail.jpg') },
    lastFrame: { key: 'videos/u/g-last.png', file: join(dir, 'last-frame.png') },
  });

  it('checks the complete file, and stores the video and its stills once everything passed', async () => {
    const checked: string[] = [];
    const info = await intake.receive({
      stream: Readable.from([video]),
      key: 'videos/u/g.mp4',
      file: join(dir, 'segment-0.mp4'),
      check: async (file) => {
        checked.push(file);
        return INFO;
      },
      stills: stills(),
    });
    expect(info).toBe(INFO);
    expect(checked).toEqual([join(dir, 'segment-0.mp4')]);
    expect([...storage.objects.keys()].sort()).toEqual([
      'videos/u/g-last.png',
      'videos/u/g.jpg',
      'videos/u/g.mp4',
    ]);
    expect(storage.objects.get('videos/u/g.mp4')).toEqual(video);
    expect(storage.objects.get('videos/u/g.jpg')?.toString()).toBe('thumbnail');
  });

  it("stores a chained segment's last frame beside it", async () => {
    await intake.receive({
      stream: Readable.from([video]),
      key: 'videos/u/g/segment-0.mp4',
      file: join(dir, 'segment-0.mp4'),
      check: async () => INFO,
      lastFrameKey: 'videos/u/g/segment-0-last.png',
    });
    expect(storage.objects.get('videos/u/g/segment-0-last.png')?.toString()).toBe('last-frame');
  });

  it('refuses a result that fails the check: the check’s error, and nothing stored', async () => {
    const refused = new Error('not a playable video');
    await expect(
      intake.receive({
        stream: Readable.from([video]),
        key: 'videos/u/g.mp4',
        file: join(dir, 'segment-0.mp4'),
        check: async () => {
          throw refused;
        },
        stills: stills(),
      }),
    ).rejects.toBe(refused);
    expect(storage.cancelled).toEqual(['videos/u/g.mp4']);
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('reports a download that broke off as it is, and stores nothing', async () => {
    const broken = new Error('download broke off');
    const stream = new Readable({
      read() {
        this.destroy(broken);
      },
    });
    await expect(
      intake.receive({
        stream,
        key: 'videos/u/g.mp4',
        file: join(dir, 'segment-0.mp4'),
        check: async () => INFO,
        lastFrameKey: 'videos/u/g/segment-0-last.png',
      }),
    ).rejects.toBe(broken);
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('fails when the upload fails after the check passed, and removes the stills it stored', async () => {
    storage.storeFails = new Error('bucket away');
    await expect(
      intake.receive({
        stream: Readable.from([video]),
        key: 'videos/u/g.mp4',
        file: join(dir, 'segment-0.mp4'),
        check: async () => INFO,
        stills: stills(),
      }),
    ).rejects.toThrow('bucket away');
    expect([...storage.objects.keys()]).toEqual([]);
  });
});
