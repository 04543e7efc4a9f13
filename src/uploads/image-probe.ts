import { crc32 } from 'node:zlib';
import type { ImageContentType, ImageInfo } from '../media/image-types.js';

/**
 * Larger sides are refused: ffmpeg cannot even hold a 16384x16384 picture ("Picture size ... is invalid": its
 * limit is about (w+128)*(h+128) < 2^28), libx264 encodes 8192x8192, no provider takes more, and decoding more
 * would be a decompression bomb.
 */
export const MAX_IMAGE_SIDE = 8192;

/** What an image's headers say, before ffmpeg decodes it: its type and size. */
export type ProbedImage = Pick<ImageInfo, 'width' | 'height'> & { contentType: ImageContentType };

export type ImageProblem =
  'empty' | 'unsupported-type' | 'truncated' | 'no-dimensions' | 'too-large-dimensions';

export type ImageProbeResult =
  { ok: true; image: ProbedImage } | { ok: false; problem: ImageProblem; message: string };

/** The image type from the file's first bytes (its magic number), ignoring any name or declared type. */
export function sniffImageType(bytes: Uint8Array): ImageContentType | undefined {
  if (startsWith(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * Type and pixel dimensions of a JPEG, PNG or WebP from its headers alone (no decoding), and a structural
 * check that the file is complete: PNG chunks with valid CRCs up to IEND, a JPEG that reaches EOI after its
 * first scan, a WebP whose RIFF chunks fit the file.
 */
export function probeImage(bytes: Uint8Array): ImageProbeResult {
  if (bytes.length === 0) return fail('empty', 'The file is empty');
  const contentType = sniffImageType(bytes);
  if (!contentType) {
    return fail(
      'unsupported-type',
      'Only JPEG, PNG and WebP images are accepted (decided by the file’s content)',
    );
  }
  const result =
    contentType === 'image/png'
      ? probePng(bytes)
      : contentType === 'image/jpeg'
        ? probeJpeg(bytes)
        : probeWebp(bytes);
  if ('problem' in result) return result;
  const { width, height } = result;
  if (!(width > 0 && height > 0)) return fail('no-dimensions', 'The image’s dimensions cannot be read');
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return fail(
      'too-large-dimensions',
      `The image is ${width}x${height}; at most ${MAX_IMAGE_SIDE} pixels per side are accepted`,
    );
  }
  return { ok: true, image: { contentType, width, height } };
}

type Dimensions = { width: number; height: number };
type Failure = { ok: false; problem: ImageProblem; message: string };

function probePng(bytes: Uint8Array): Dimensions | Failure {
  let offset = 8;
  let dimensions: Dimensions | undefined;
  for (;;) {
    if (offset + 12 > bytes.length) return truncated('PNG');
    const length = u32be(bytes, offset);
    const type = ascii(bytes, offset + 4, 4);
    const end = offset + 12 + length;
    if (end > bytes.length) return truncated('PNG');
    const crc = u32be(bytes, end - 4);
    if (crc32(bytes.subarray(offset + 4, end - 4)) !== crc) {
      return fail('truncated', `The PNG is damaged: the ${type} chunk’s checksum does not match`);
    }
    if (!dimensions) {
      if (type !== 'IHDR' || length !== 13) return fail('no-dimensions', 'The PNG has no valid IHDR header');
      dimensions = { width: u32be(bytes, offset + 8), height: u32be(bytes, offset + 12) };
    }
    if (type === 'IEND') return dimensions;
    offset = end;
  }
}

function probeJpeg(bytes: Uint8Array): Dimensions | Failure {
  let offset = 2;
  let dimensions: Dimensions | undefined;
  for (;;) {
    if (offset >= bytes.length) return truncated('JPEG');
    if (bytes[offset] !== 0xff) return fail('no-dimensions', 'The JPEG’s segment structure is invalid');
    while (bytes[offset] === 0xff) offset++; // fill bytes before a marker
    if (offset >= bytes.length) return truncated('JPEG');
    const marker = bytes[offset++];
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // standalone markers
    if (marker === 0xd9) {
      return fail('no-dimensions', 'The JPEG ends before any image data');
    }
    if (offset + 2 > bytes.length) return truncated('JPEG');
    const length = u16be(bytes, offset);
    if (length < 2) return fail('no-dimensions', 'The JPEG’s segment structure is invalid');
    if (offset + length > bytes.length) return truncated('JPEG');
    const isStartOfFrame =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      if (length < 7) return fail('no-dimensions', 'The JPEG’s frame header is invalid');
      dimensions = { height: u16be(bytes, offset + 3), width: u16be(bytes, offset + 5) };
    }
    if (marker === 0xda) {
      if (!dimensions) return fail('no-dimensions', 'The JPEG has no frame header before its image data');
      // Entropy-coded data escapes 0xFF bytes, so an FF D9 after the first scan can only be the end marker.
      const scanStart = offset + length;
      for (let i = bytes.length - 2; i >= scanStart; i--) {
        if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return dimensions;
      }
      return truncated('JPEG');
    }
    offset += length;
  }
}

function probeWebp(bytes: Uint8Array): Dimensions | Failure {
  if (bytes.length < 12) return truncated('WebP');
  const riffEnd = 8 + u32le(bytes, 4);
  if (riffEnd > bytes.length) return truncated('WebP');
  let dimensions: Dimensions | undefined;
  let hasImageData = false;
  let offset = 12;
  while (offset < riffEnd) {
    if (offset + 8 > riffEnd) return truncated('WebP');
    const type = ascii(bytes, offset, 4);
    const size = u32le(bytes, offset + 4);
    const data = offset + 8;
    if (data + size > riffEnd) return truncated('WebP');
    if (type === 'VP8X' && offset === 12 && size >= 10) {
      dimensions = { width: 1 + u24le(bytes, data + 4), height: 1 + u24le(bytes, data + 7) };
    } else if (type === 'VP8 ') {
      if (size < 10 || !startsWith(bytes, data + 3, [0x9d, 0x01, 0x2a])) {
        return fail('no-dimensions', 'The WebP’s VP8 frame header is invalid');
      }
      dimensions ??= { width: u16le(bytes, data + 6) & 0x3fff, height: u16le(bytes, data + 8) & 0x3fff };
      hasImageData = true;
    } else if (type === 'VP8L') {
      if (size < 5 || bytes[data] !== 0x2f)
        return fail('no-dimensions', 'The WebP’s lossless header is invalid');
      const bits = u32le(bytes, data + 1);
      dimensions ??= { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      hasImageData = true;
    } else if (type === 'ANMF') {
      hasImageData = true;
    }
    offset = data + size + (size % 2); // chunks are padded to an even size
  }
  if (!dimensions) return fail('no-dimensions', 'The WebP has no image header');
  if (!hasImageData) return truncated('WebP');
  return dimensions;
}

function fail(problem: ImageProblem, message: string): Failure {
  return { ok: false, problem, message };
}

function truncated(format: string): Failure {
  return fail('truncated', `The ${format} file is incomplete (truncated or damaged)`);
}

function startsWith(bytes: Uint8Array, offset: number, expected: number[]): boolean {
  return offset + expected.length <= bytes.length && expected.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const u32be = (b: Uint8Array, o: number) =>
  ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u32le = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
