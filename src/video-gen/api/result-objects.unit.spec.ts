import { contentKey, isExpired, resultObjectKeys, retentionCutoff } from './result-objects.js';

const user = 'user-1';
const id = '0b9c5f8e-1111-4222-8333-944455556666';
const parent = '7e0d1c2b-aaaa-4bbb-8ccc-dddddddddddd';

const finished = {
  id,
  userId: user,
  status: 'SUCCEEDED',
  s3Key: `videos/${user}/${id}.mp4`,
  thumbnailKey: `videos/${user}/${id}.jpg`,
  lastFrameKey: `videos/${user}/${id}-last.png`,
  segments: [
    {
      index: 0,
      s3Key: `videos/${user}/${parent}.mp4`,
      lastFrameKey: `videos/${user}/${id}/segment-0-last.png`,
    },
    { index: 1, s3Key: `videos/${user}/${id}/segment-1.mp4`, lastFrameKey: null },
  ],
};

describe('contentKey', () => {
  it('maps each variant of a finished generation to its object', () => {
    expect(contentKey(finished, 'video')).toBe(finished.s3Key);
    expect(contentKey(finished, 'thumbnail')).toBe(finished.thumbnailKey);
    expect(contentKey(finished, 'last-frame')).toBe(finished.lastFrameKey);
  });

  it('has nothing for a generation that did not succeed, or a variant it never stored', () => {
    expect(contentKey({ ...finished, status: 'RUNNING' }, 'video')).toBeUndefined();
    expect(contentKey({ ...finished, status: 'FAILED' }, 'thumbnail')).toBeUndefined();
    expect(contentKey({ ...finished, lastFrameKey: null }, 'last-frame')).toBeUndefined();
  });
});

describe('resultObjectKeys', () => {
  it('lists every object the generation wrote, recorded or not, and never its parent’s video', () => {
    expect(resultObjectKeys(finished)).toEqual(
      [
        `videos/${user}/${id}-last.png`,
        `videos/${user}/${id}.jpg`,
        `videos/${user}/${id}.mp4`,
        `videos/${user}/${id}/segment-0-last.png`,
        `videos/${user}/${id}/segment-0.mp4`,
        `videos/${user}/${id}/segment-1-last.png`,
        `videos/${user}/${id}/segment-1.mp4`,
      ].sort(),
    );
    expect(resultObjectKeys(finished)).not.toContain(`videos/${user}/${parent}.mp4`);
  });

  it('still covers the canonical keys of a generation that failed before recording any', () => {
    const failed = {
      ...finished,
      status: 'FAILED',
      s3Key: null,
      thumbnailKey: null,
      lastFrameKey: null,
      segments: [],
    };
    expect(resultObjectKeys(failed)).toEqual([
      `videos/${user}/${id}-last.png`,
      `videos/${user}/${id}.jpg`,
      `videos/${user}/${id}.mp4`,
    ]);
  });

  it('ignores a recorded key that only shares a prefix with the id', () => {
    const other = { ...finished, thumbnailKey: `videos/${user}/${id}0.jpg`, segments: [] };
    expect(resultObjectKeys(other)).not.toContain(`videos/${user}/${id}0.jpg`);
  });
});

describe('retention', () => {
  const now = new Date('2026-12-01T12:00:00Z');

  it('keeps everything when no retention is set', () => {
    expect(retentionCutoff(now, undefined)).toBeUndefined();
    expect(isExpired({ status: 'SUCCEEDED', completedAt: new Date(0), deletedAt: null }, undefined)).toBe(
      false,
    );
  });

  it('expires ended, undeleted generations finished before the cutoff', () => {
    const cutoff = retentionCutoff(now, 7)!;
    expect(cutoff.toISOString()).toBe('2026-11-24T12:00:00.000Z');
    const old = new Date('2026-11-24T11:59:59Z');
    const recent = new Date('2026-11-24T12:00:01Z');
    expect(isExpired({ status: 'SUCCEEDED', completedAt: old, deletedAt: null }, cutoff)).toBe(true);
    expect(isExpired({ status: 'FAILED', completedAt: old, deletedAt: null }, cutoff)).toBe(true);
    expect(isExpired({ status: 'CANCELLED', completedAt: old, deletedAt: null }, cutoff)).toBe(true);
    expect(isExpired({ status: 'SUCCEEDED', completedAt: recent, deletedAt: null }, cutoff)).toBe(false);
    expect(isExpired({ status: 'RUNNING', completedAt: old, deletedAt: null }, cutoff)).toBe(false);
    expect(isExpired({ status: 'SUCCEEDED', completedAt: null, deletedAt: null }, cutoff)).toBe(false);
    expect(isExpired({ status: 'SUCCEEDED', completedAt: old, deletedAt: old }, cutoff)).toBe(false);
  });
});
