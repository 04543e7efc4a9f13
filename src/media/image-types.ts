/**
 * The image formats the service takes, and the one map between content types, file extensions and ffmpeg's
 * format names. Pure: the uploads, the pipeline, the providers and the CLI share it.
 */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageContentType = (typeof IMAGE_CONTENT_TYPES)[number];

/** Normalised ffprobe codec name: `jpeg`, `png`, `webp`, ... (others are read, never accepted as uploads). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'tiff' | string;

/** What ffmpeg reads of an image: its size and format. */
export interface ImageInfo {
  width: number;
  height: number;
  format: ImageFormat;
}

/** The extension a stored image of each type gets. */
export const IMAGE_EXTENSIONS: Record<ImageContentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

const FORMATS: Record<ImageContentType, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/** A file name's extension (`.jpg`, `.JPEG`, `.png`, ...) to the content type, or undefined for any other. */
export function contentTypeOfExtension(extension: string): ImageContentType | undefined {
  const bare = extension.toLowerCase().replace(/^\./, '');
  if (bare === 'jpeg') return 'image/jpeg';
  return IMAGE_CONTENT_TYPES.find((type) => IMAGE_EXTENSIONS[type] === bare);
}

/** ffmpeg's format name for an image it read; anything it calls neither png nor webp is sent as JPEG. */
export function contentTypeOfFormat(format: ImageFormat): ImageContentType {
  return IMAGE_CONTENT_TYPES.find((type) => FORMATS[type] === format) ?? 'image/jpeg';
}

/** The extension for a content type; a type we do not know is named as PNG, the lossless default. */
export function extensionOfContentType(contentType: string): string {
  return IMAGE_EXTENSIONS[contentType as ImageContentType] ?? 'png';
}
