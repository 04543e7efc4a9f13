import { StorageKeys } from './storage-keys.js';

describe('StorageKeys', () => {
  it('puts images and videos under the user’s own prefix', () => {
    expect(StorageKeys.imagePrefix('alice')).toBe('images/alice/');
    expect(StorageKeys.videoPrefix('alice')).toBe('videos/alice/');
    expect(StorageKeys.image('alice', 'a.png')).toBe('images/alice/a.png');
    expect(StorageKeys.generation('auth0|42', 'g').video).toBe('videos/auth0|42/g.mp4');
  });

  it('refuses a user id that could change the path, for every key', () => {
    expect(() => StorageKeys.imagePrefix('alice/../bob')).toThrow();
    expect(() => StorageKeys.imagePrefix('..')).toThrow();
    expect(() => StorageKeys.imagePrefix('')).toThrow();
    expect(() => StorageKeys.generation('../bob', 'g')).toThrow();
    expect(() => StorageKeys.segment('a/b', 'g', 0)).toThrow();
  });

  it('names a generation’s video, thumbnail and last frame', () => {
    expect(StorageKeys.generation('alice', 'g1')).toEqual({
      video: 'videos/alice/g1.mp4',
      thumbnail: 'videos/alice/g1.jpg',
      lastFrame: 'videos/alice/g1-last.png',
    });
    expect(StorageKeys.lastFrameOf(StorageKeys.generation('alice', 'g1').video)).toBe(
      StorageKeys.generation('alice', 'g1').lastFrame,
    );
  });

  it('lists the video, thumbnail, last frame and every segment’s video and last frame', () => {
    expect(StorageKeys.generationObjects('alice', 'g1', 2)).toEqual([
      'videos/alice/g1.mp4',
      'videos/alice/g1.jpg',
      'videos/alice/g1-last.png',
      'videos/alice/g1/segment-0.mp4',
      'videos/alice/g1/segment-0-last.png',
      'videos/alice/g1/segment-1.mp4',
      'videos/alice/g1/segment-1-last.png',
    ]);
  });

  it('stays inside the generation’s own keys, so an extension never names its parent’s video', () => {
    const keys = StorageKeys.generationObjects('alice', 'child', 2);
    expect(keys).not.toContain(StorageKeys.generation('alice', 'parent').video);
    const base = StorageKeys.generationBase('alice', 'child');
    expect(base).toBe('videos/alice/child');
    expect(keys.every((key) => key.startsWith(base))).toBe(true);
  });

  it('matches the keys the pipeline stores under', () => {
    const segment = StorageKeys.segment('bob', 'g2', 3);
    expect(StorageKeys.lastFrameOf(segment)).toBe('videos/bob/g2/segment-3-last.png');
    expect(StorageKeys.generationObjects('bob', 'g2', 4)).toEqual(
      expect.arrayContaining([segment, StorageKeys.lastFrameOf(segment)]),
    );
  });
});
