import { lastFrameKey, segmentKey, storedResultKeys, videoKeys } from './pipeline-plan.js';

describe('storedResultKeys', () => {
  it('lists the video, thumbnail, last frame and every segment’s video and last frame', () => {
    expect(storedResultKeys('alice', 'g1', 2)).toEqual([
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
    const keys = storedResultKeys('alice', 'child', 2);
    expect(keys).not.toContain(videoKeys('alice', 'parent').video);
    expect(keys.every((key) => key.startsWith('videos/alice/child'))).toBe(true);
  });

  it('matches the keys the pipeline stores under', () => {
    const segment = segmentKey('bob', 'g2', 3);
    expect(lastFrameKey(segment)).toBe('videos/bob/g2/segment-3-last.png');
    expect(storedResultKeys('bob', 'g2', 4)).toEqual(
      expect.arrayContaining([segment, lastFrameKey(segment)]),
    );
  });
});
