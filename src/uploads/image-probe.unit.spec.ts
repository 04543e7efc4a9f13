import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { MAX_IMAGE_SIDE, probeImage, sniffImageType } from './image-probe.js';

// Real images made with ffmpeg (testsrc pattern), see test/fixtures/images/README.md.
const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/images/${name}`, import.meta.url));

describe('probeImage', () => {
  it.each([
    ['tiny-7x5.png', 'image/png', 7, 5],
    ['photo-320x180.png', 'image/png', 320, 180],
    ['tiny-7x5.jpg', 'image/jpeg', 7, 5],
    ['photo-320x180.jpg', 'image/jpeg', 320, 180],
    ['tiny-7x5-lossy.webp', 'image/webp', 7, 5],
    ['tiny-9x4-lossless.webp', 'image/webp', 9, 4],
    ['tiny-11x6-alpha.webp', 'image/webp', 11, 6],
  ])('reads %s as %s %ix%i', (name, contentType, width, height) => {
    expect(probeImage(fixture(name))).toEqual({ ok: true, image: { contentType, width, height } });
  });

  it('decides the type by content, not by name', () => {
    expect(sniffImageType(fixture('tiny-7x5.png'))).toBe('image/png');
    expect(sniffImageType(Buffer.from('<html><body>not an image</body></html>'))).toBeUndefined();
  });

  it('refuses an empty file', () => {
    expect(probeImage(Buffer.alloc(0))).toMatchObject({ ok: false, problem: 'empty' });
  });

  it.each([
    ['HTML', Buffer.from('<!doctype html><script>alert(1)</script>')],
    ['GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['a RIFF that is not WebP', Buffer.from('RIFF\x04\x00\x00\x00WAVE', 'latin1')],
  ])('refuses %s as an unsupported type', (_name, bytes) => {
    expect(probeImage(bytes)).toMatchObject({ ok: false, problem: 'unsupported-type' });
  });

  it.each([
    'tiny-7x5.png',
    'photo-320x180.png',
    'tiny-7x5.jpg',
    'photo-320x180.jpg',
    'tiny-7x5-lossy.webp',
    'tiny-9x4-lossless.webp',
    'tiny-11x6-alpha.webp',
  ])('refuses %s cut anywhere short of its end', (name) => {
    const bytes = fixture(name);
    for (const cut of [bytes.length - 1, bytes.length - 2, Math.floor(bytes.length / 2), 40, 20, 10, 4]) {
      const result = probeImage(bytes.subarray(0, cut));
      expect(result.ok).toBe(false);
      expect(['truncated', 'no-dimensions', 'unsupported-type']).toContain(
        (result as { problem: string }).problem,
      );
    }
  });

  it('refuses a PNG whose data is damaged (chunk checksum)', () => {
    const bytes = Buffer.from(fixture('photo-320x180.png'));
    bytes[bytes.length - 30] ^= 0xff;
    expect(probeImage(bytes)).toMatchObject({ ok: false, problem: 'truncated' });
  });

  it('refuses a PNG whose IHDR says 0 pixels wide', () => {
    const bytes = Buffer.from(fixture('tiny-7x5.png'));
    bytes.writeUInt32BE(0, 16);
    // Keep the checksum right so the dimension check is what refuses it.
    bytes.writeUInt32BE(crc(bytes.subarray(12, 29)), 29);
    expect(probeImage(bytes)).toMatchObject({ ok: false, problem: 'no-dimensions' });
  });

  it('refuses dimensions beyond the per-side limit', () => {
    const bytes = Buffer.from(fixture('tiny-7x5.png'));
    bytes.writeUInt32BE(MAX_IMAGE_SIDE + 1, 16);
    bytes.writeUInt32BE(crc(bytes.subarray(12, 29)), 29);
    expect(probeImage(bytes)).toMatchObject({ ok: false, problem: 'too-large-dimensions' });
  });

  it('refuses a JPEG with no frame header before its scan', () => {
    // SOI, then a start-of-scan segment straight away.
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x00, 0xff, 0xd9]);
    expect(probeImage(bytes)).toMatchObject({ ok: false, problem: 'no-dimensions' });
  });

  it('never throws, whatever the bytes (property)', () => {
    const images = ['tiny-7x5.png', 'tiny-7x5.jpg', 'tiny-7x5-lossy.webp', 'tiny-9x4-lossless.webp'].map(
      fixture,
    );
    const damaged = fc
      .tuple(
        fc.constantFrom(...images),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
      )
      .map(([image, cut, flips]) => {
        const bytes = Buffer.from(image.subarray(0, cut % (image.length + 1)));
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), damaged), (bytes) => {
        const result = probeImage(bytes);
        if (result.ok) {
          expect(result.image.width).toBeGreaterThan(0);
          expect(result.image.height).toBeLessThanOrEqual(MAX_IMAGE_SIDE);
        } else {
          expect(result.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

function crc(bytes: Uint8Array): number {
  let value = 0xffffffff;
  for (const byte of bytes) {
    value ^= byte;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? (value >>> 1) ^ 0xedb88320 : value >>> 1;
  }
  return (value ^ 0xffffffff) >>> 0;
}
