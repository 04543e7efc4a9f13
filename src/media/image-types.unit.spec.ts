import {
  contentTypeOfExtension,
  contentTypeOfFormat,
  extensionOfContentType,
  IMAGE_CONTENT_TYPES,
  IMAGE_EXTENSIONS,
} from './image-types.js';

describe('image types', () => {
  it.each([
    ['.jpg', 'image/jpeg'],
    ['.JPEG', 'image/jpeg'],
    ['jpeg', 'image/jpeg'],
    ['.png', 'image/png'],
    ['.webp', 'image/webp'],
    ['.gif', undefined],
    ['', undefined],
  ])('reads the extension %p as %p', (extension, contentType) => {
    expect(contentTypeOfExtension(extension)).toBe(contentType);
  });

  it.each([
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['jpeg', 'image/jpeg'],
    ['bmp', 'image/jpeg'],
  ])('sends the ffmpeg format %p as %p', (format, contentType) => {
    expect(contentTypeOfFormat(format)).toBe(contentType);
  });

  it.each([
    ['image/jpeg', 'jpg'],
    ['image/png', 'png'],
    ['image/webp', 'webp'],
    ['image/heic', 'png'],
  ])('names a %p file with .%s', (contentType, extension) => {
    expect(extensionOfContentType(contentType)).toBe(extension);
  });

  it('round-trips every accepted type through its extension', () => {
    for (const type of IMAGE_CONTENT_TYPES) {
      expect(contentTypeOfExtension(IMAGE_EXTENSIONS[type])).toBe(type);
    }
  });
});
